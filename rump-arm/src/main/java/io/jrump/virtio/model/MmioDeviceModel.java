package io.jrump.virtio.model;

import static io.jrump.virtio.mmio.MmioRegisters.*;

import io.jrump.api.ErrnoException;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.RingLayout;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.mmio.RegisterWindow;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A virtio device in the JVM, at the virtio-mmio register level (virtio 1.2 section 4.2): the
 * registers a driver reads and writes, the rings in a {@link GuestMemory} it shares with the
 * driver, and an interrupt line. Subclasses ({@link BlockModel}, {@link NetModel}) serve the
 * chains; this class keeps the register protocol, both version 2 and legacy version 1.
 *
 * <p>Notifications are served on one thread of the model's own, as a device works beside the
 * CPU; a driver that waits for a completion therefore really waits. A {@link Fault} makes the
 * model misbehave on purpose. A chain the driver got wrong sets DEVICE_NEEDS_RESET and raises
 * a configuration interrupt, as section 2.1.2 describes, and the model stops serving.
 */
public abstract class MmioDeviceModel implements RegisterWindow, AutoCloseable {
    private final int deviceId;
    private final int version;
    private final long features;
    private final int queueMax;
    protected final GuestMemory mem;
    private final QueueRegs[] queues;
    private final ExecutorService worker;
    private volatile Runnable irq = () -> { };
    private volatile Fault fault = Fault.NONE;
    private volatile String error;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int interruptStatus;
    private int configGeneration;

    private static final class QueueRegs {
        int num;
        boolean ready;
        long desc;
        long driver;
        long device;
        int align = LEGACY_PAGE;
        int pfn;
        DeviceQueue queue;
    }

    protected MmioDeviceModel(int deviceId, int version, long deviceFeatures, int queues, int queueMax, GuestMemory mem) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("virtio-mmio version 1 or 2");
        }
        this.deviceId = deviceId;
        this.version = version;
        this.features = version == 1 ? deviceFeatures & 0xffffffffL & ~Virtio.bit(Virtio.F_VERSION_1)
                : deviceFeatures | Virtio.bit(Virtio.F_VERSION_1);
        this.queueMax = queueMax;
        this.mem = mem;
        this.queues = new QueueRegs[queues];
        for (int i = 0; i < queues; i++) {
            this.queues[i] = new QueueRegs();
        }
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "virtio-model-" + deviceId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Serves the chains now available on queue {@code q}; runs on the model's thread. */
    protected abstract void serve(int q) throws ErrnoException;

    /** Byte {@code offset} of the device-specific configuration space. */
    protected abstract int configByte(int offset);

    public void fault(Fault f) {
        this.fault = f;
    }

    public Fault fault() {
        return fault;
    }

    /** What the model found wrong with the driver, or null. */
    public String error() {
        return error;
    }

    /** The features the driver accepted. */
    public synchronized long driverFeatures() {
        return driverFeatures;
    }

    protected boolean negotiated(int feature) {
        return Virtio.has(driverFeatures(), feature);
    }

    @Override
    public void connectInterrupt(Runnable handler) {
        this.irq = handler;
    }

    @Override
    public synchronized int read32(int off) {
        switch (off) {
            case MAGIC_VALUE:
                return MAGIC;
            case VERSION:
                return version;
            case DEVICE_ID:
                return deviceId;
            case VENDOR_ID:
                return 0x554d4551; // any vendor; this one reads "QEMU" as QEMU's devices do
            case DEVICE_FEATURES:
                return (int) (deviceFeaturesSel == 0 ? features : deviceFeaturesSel == 1 ? features >>> 32 : 0);
            case QUEUE_NUM_MAX:
                return queueSel < queues.length ? queueMax : 0;
            case QUEUE_READY:
                return queueSel < queues.length && queues[queueSel].ready ? 1 : 0;
            case QUEUE_PFN:
                return queueSel < queues.length ? queues[queueSel].pfn : 0;
            case INTERRUPT_STATUS:
                return interruptStatus;
            case STATUS:
                return status;
            case CONFIG_GENERATION:
                return configGeneration;
            default:
                return 0;
        }
    }

    @Override
    public synchronized void write32(int off, int v) {
        QueueRegs q = queueSel < queues.length ? queues[queueSel] : null;
        switch (off) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case DRIVER_FEATURES -> {
                if (driverFeaturesSel == 0) {
                    driverFeatures = (driverFeatures & 0xffffffff00000000L) | (v & 0xffffffffL);
                } else if (driverFeaturesSel == 1) {
                    driverFeatures = (driverFeatures & 0xffffffffL) | ((long) v << 32);
                }
            }
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> {
                if (q != null) {
                    q.num = v;
                }
            }
            case QUEUE_ALIGN -> {
                if (q != null) {
                    q.align = v;
                }
            }
            case QUEUE_PFN -> {
                if (q != null) {
                    q.pfn = v;
                    if (v != 0) {
                        start(q, RingLayout.contiguous(q.num, (long) v * LEGACY_PAGE, q.align));
                    } else {
                        q.queue = null;
                    }
                }
            }
            case QUEUE_READY -> {
                if (q != null) {
                    q.ready = v == 1;
                    q.queue = null;
                    if (q.ready) {
                        start(q, new RingLayout(q.num, q.desc, q.driver, q.device));
                    }
                }
            }
            case QUEUE_DESC_LOW -> setLow(q, 0, v);
            case QUEUE_DESC_HIGH -> setHigh(q, 0, v);
            case QUEUE_DRIVER_LOW -> setLow(q, 1, v);
            case QUEUE_DRIVER_HIGH -> setHigh(q, 1, v);
            case QUEUE_DEVICE_LOW -> setLow(q, 2, v);
            case QUEUE_DEVICE_HIGH -> setHigh(q, 2, v);
            case QUEUE_NOTIFY -> {
                int queueIndex = v;
                if (queueIndex >= 0 && queueIndex < queues.length && fault != Fault.STOP_ANSWERING) {
                    worker.execute(() -> serveSafely(queueIndex));
                }
            }
            case INTERRUPT_ACK -> interruptStatus &= ~v;
            case STATUS -> {
                if (v == 0) {
                    reset();
                } else {
                    if (version == 2 && (v & Virtio.STATUS_FEATURES_OK) != 0 && (status & Virtio.STATUS_FEATURES_OK) == 0
                            && (driverFeatures & ~features) != 0) {
                        v &= ~Virtio.STATUS_FEATURES_OK; // features the device never offered: refuse
                    }
                    status = v;
                }
            }
            default -> { }
        }
    }

    private void start(QueueRegs q, RingLayout layout) {
        if (Integer.bitCount(q.num) != 1 || q.num > queueMax || !mem.contains(layout.desc(), RingLayout.descBytes(q.num))
                || !mem.contains(layout.avail(), RingLayout.availBytes(q.num))
                || !mem.contains(layout.used(), RingLayout.usedBytes(q.num))) {
            needsReset("queue of " + q.num + " entries at 0x" + Long.toHexString(layout.desc()) + " is not valid");
            return;
        }
        q.queue = new DeviceQueue(mem, layout, Virtio.has(driverFeatures, Virtio.F_EVENT_IDX));
    }

    private static void setLow(QueueRegs q, int which, int v) {
        if (q != null) {
            long[] a = {q.desc, q.driver, q.device};
            a[which] = (a[which] & 0xffffffff00000000L) | (v & 0xffffffffL);
            q.desc = a[0];
            q.driver = a[1];
            q.device = a[2];
        }
    }

    private static void setHigh(QueueRegs q, int which, int v) {
        if (q != null) {
            long[] a = {q.desc, q.driver, q.device};
            a[which] = (a[which] & 0xffffffffL) | ((long) v << 32);
            q.desc = a[0];
            q.driver = a[1];
            q.device = a[2];
        }
    }

    private void reset() {
        status = 0;
        driverFeatures = 0;
        interruptStatus = 0;
        error = null;
        for (QueueRegs q : queues) {
            q.num = 0;
            q.ready = false;
            q.pfn = 0;
            q.desc = q.driver = q.device = 0;
            q.queue = null;
        }
        onReset();
    }

    /** Forgets device-specific state on a reset. */
    protected void onReset() {
    }

    @Override
    public synchronized int read8(int off) {
        if (off < CONFIG) {
            return read32(off & ~3) >>> (8 * (off & 3)) & 0xff;
        }
        return configByte(off - CONFIG) & 0xff;
    }

    /** Tells the driver the configuration changed (new generation, configuration interrupt). */
    protected void configChanged() {
        synchronized (this) {
            configGeneration++;
            interruptStatus |= INT_CONFIG_CHANGE;
        }
        irq.run();
    }

    /** The device-side queue {@code q} once the driver made it ready, else null. */
    protected synchronized DeviceQueue queue(int q) {
        if ((status & Virtio.STATUS_DRIVER_OK) == 0 || (status & Virtio.STATUS_DEVICE_NEEDS_RESET) != 0) {
            return null;
        }
        return queues[q].queue;
    }

    private void serveSafely(int q) {
        try {
            serve(q);
        } catch (ErrnoException e) {
            needsReset(e.getMessage());
        } catch (RuntimeException e) {
            needsReset("model failed: " + e);
        }
    }

    /** Section 2.1.2: the device is in a state it cannot go on from. */
    protected void needsReset(String why) {
        synchronized (this) {
            if (error == null) {
                error = why;
            }
            status |= Virtio.STATUS_DEVICE_NEEDS_RESET;
            configGeneration++;
            interruptStatus |= INT_CONFIG_CHANGE;
        }
        irq.run();
    }

    /**
     * Returns a chain to the driver, with the model's fault applied, and raises the interrupt
     * when the driver wants one.
     */
    protected void complete(DeviceQueue dq, DeviceQueue.Chain chain, int len) {
        Fault f = fault;
        switch (f) {
            case USED_IDX_JUMP -> {
                dq.push(chain.head(), len);
                dq.forceUsedIdx(dq.usedIdx() + 1000);
            }
            case UNKNOWN_ID -> dq.push(chain.head() ^ 0x7fff, len);
            case LENGTH_PAST_BUFFER -> dq.push(chain.head(), chain.writableBytes() + 4096);
            default -> dq.push(chain.head(), len);
        }
        signal(dq);
    }

    /** Raises the used-buffer interrupt if the driver asked for one. */
    protected void signal(DeviceQueue dq) {
        if (dq.needsInterrupt()) {
            synchronized (this) {
                interruptStatus |= INT_USED_BUFFER;
            }
            irq.run();
        }
    }

    /** Runs {@code task} on the model's thread (for devices that produce data on their own, as a NIC receiving). */
    protected void onWorker(Runnable task) {
        worker.execute(task);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
