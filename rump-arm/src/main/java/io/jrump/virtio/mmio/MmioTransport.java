package io.jrump.virtio.mmio;

import static io.jrump.virtio.mmio.MmioRegisters.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.RingLayout;
import io.jrump.virtio.SplitQueue;
import io.jrump.virtio.Transport;
import io.jrump.virtio.Virtio;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A virtio device behind a virtio-mmio register window, version 2 or legacy version 1
 * (virtio 1.2 sections 4.2.2, 4.2.3 and 4.2.4).
 *
 * <p>Version 2 takes the three ring addresses as 64-bit pairs and has a queue-ready bit;
 * version 1 takes one page frame number of a contiguous ring (so rings are laid out by
 * {@link SplitQueue#allocateContiguous}) and has neither FEATURES_OK nor VERSION_1.
 *
 * <p>The interrupt handler reads InterruptStatus, acknowledges exactly those bits, and runs
 * the queue handlers (used buffers) or the configuration handlers (a change).
 */
public final class MmioTransport implements Transport {
    private final RegisterWindow regs;
    private final DmaPool dma;
    private final String name;
    private final int version;
    private final CopyOnWriteArrayList<Runnable> queueHandlers = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> configHandlers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private MmioTransport(RegisterWindow regs, DmaPool dma, String name, int version) {
        this.regs = regs;
        this.dma = dma;
        this.name = name;
        this.version = version;
    }

    /**
     * Checks the magic value and version and connects the interrupt line.
     *
     * @param name where the window is, for messages ("virtio-mmio@0xa003e00")
     * @throws ErrnoException ENODEV when the window holds no virtio device (magic, version, or device ID 0)
     */
    public static MmioTransport open(RegisterWindow regs, DmaPool dma, String name) throws ErrnoException {
        int magic = regs.read32(MAGIC_VALUE);
        if (magic != MAGIC) {
            throw new ErrnoException(Errno.ENODEV, String.format("%s: magic 0x%08x is not virtio's 0x%08x", name, magic, MAGIC));
        }
        int version = regs.read32(VERSION);
        if (version != 1 && version != 2) {
            throw new ErrnoException(Errno.ENODEV, name + ": virtio-mmio version " + version + " is not 1 or 2");
        }
        if (regs.read32(DEVICE_ID) == 0) {
            throw new ErrnoException(Errno.ENODEV, name + ": no device behind this transport (device ID 0)");
        }
        MmioTransport t = new MmioTransport(regs, dma, name, version);
        regs.connectInterrupt(t::interrupt);
        return t;
    }

    public int version() {
        return version;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public int deviceId() {
        return regs.read32(DEVICE_ID);
    }

    @Override
    public void reset() throws ErrnoException {
        regs.write32(STATUS, 0);
        if (version == 2 && regs.read32(STATUS) != 0) {
            throw new ErrnoException(Errno.EIO, name + ": device did not reset");
        }
        if (version == 1) {
            regs.write32(GUEST_PAGE_SIZE, LEGACY_PAGE);
        }
    }

    @Override
    public int status() {
        return regs.read32(STATUS);
    }

    @Override
    public void addStatus(int bits) {
        regs.write32(STATUS, regs.read32(STATUS) | bits);
    }

    @Override
    public long deviceFeatures() {
        regs.write32(DEVICE_FEATURES_SEL, 0);
        long low = regs.read32(DEVICE_FEATURES) & 0xffffffffL;
        if (version == 1) {
            return low; // legacy devices have 32 feature bits only
        }
        regs.write32(DEVICE_FEATURES_SEL, 1);
        long high = regs.read32(DEVICE_FEATURES) & 0xffffffffL;
        return high << 32 | low;
    }

    @Override
    public void driverFeatures(long features) {
        regs.write32(DRIVER_FEATURES_SEL, 0);
        regs.write32(DRIVER_FEATURES, (int) features);
        if (version == 2) {
            regs.write32(DRIVER_FEATURES_SEL, 1);
            regs.write32(DRIVER_FEATURES, (int) (features >>> 32));
        }
    }

    @Override
    public int maxQueueSize(int index) {
        regs.write32(QUEUE_SEL, index);
        return regs.read32(QUEUE_NUM_MAX);
    }

    @Override
    public DmaPool dma() {
        return dma;
    }

    @Override
    public SplitQueue startQueue(int index, int size, long features, int indirectMax, Runnable onUsed) throws ErrnoException {
        regs.write32(QUEUE_SEL, index);
        int max = regs.read32(QUEUE_NUM_MAX);
        if (max == 0 || size > max) {
            throw new ErrnoException(Errno.EINVAL, name + ": queue " + index + " of " + size + " entries (device allows " + max + ")");
        }
        boolean eventIdx = Virtio.has(features, Virtio.F_EVENT_IDX);
        int indirect = Virtio.has(features, Virtio.F_INDIRECT_DESC) ? indirectMax : 0;
        SplitQueue q;
        if (version == 2) {
            if (regs.read32(QUEUE_READY) != 0) {
                throw new ErrnoException(Errno.EBUSY, name + ": queue " + index + " is already in use");
            }
            q = SplitQueue.allocate(index, dma, size, eventIdx, indirect);
            RingLayout l = q.layout();
            regs.write32(QUEUE_NUM, size);
            write64(QUEUE_DESC_LOW, l.desc());
            write64(QUEUE_DRIVER_LOW, l.avail());
            write64(QUEUE_DEVICE_LOW, l.used());
            queueHandlers.add(onUsed);
            regs.write32(QUEUE_READY, 1);
        } else {
            if (regs.read32(QUEUE_PFN) != 0) {
                throw new ErrnoException(Errno.EBUSY, name + ": queue " + index + " is already in use");
            }
            q = SplitQueue.allocateContiguous(index, dma, size, LEGACY_PAGE, eventIdx, indirect);
            regs.write32(QUEUE_NUM, size);
            regs.write32(QUEUE_ALIGN, LEGACY_PAGE);
            queueHandlers.add(onUsed);
            regs.write32(QUEUE_PFN, (int) (q.layout().desc() / LEGACY_PAGE));
        }
        return q;
    }

    private void write64(int low, long v) {
        regs.write32(low, (int) v);
        regs.write32(low + 4, (int) (v >>> 32));
    }

    @Override
    public void notify(SplitQueue queue) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EIO, name + ": transport closed");
        }
        regs.write32(QUEUE_NOTIFY, queue.index());
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        while (true) {
            int gen = version == 2 ? regs.read32(CONFIG_GENERATION) : 0;
            for (int i = 0; i < dst.length; i++) {
                dst[i] = (byte) regs.read8(CONFIG + offset + i);
            }
            if (version == 1 || regs.read32(CONFIG_GENERATION) == gen) {
                return;
            }
        }
    }

    @Override
    public void onConfigChange(Runnable handler) {
        configHandlers.add(handler);
    }

    private void interrupt() {
        if (closed) {
            return;
        }
        int status = regs.read32(INTERRUPT_STATUS);
        if (status == 0) {
            return;
        }
        regs.write32(INTERRUPT_ACK, status);
        if ((status & INT_CONFIG_CHANGE) != 0) {
            configHandlers.forEach(Runnable::run);
        }
        if ((status & INT_USED_BUFFER) != 0) {
            queueHandlers.forEach(Runnable::run);
        }
    }

    /** The memory belongs to whoever made the window; closing is disconnecting. */
    @Override
    public void close() {
        disconnect();
    }

    /** Resets the device so it lets go of the rings. */
    @Override
    public void disconnect() {
        if (closed) {
            return;
        }
        closed = true;
        regs.write32(STATUS, 0);
        queueHandlers.clear();
        configHandlers.clear();
    }

    @Override
    public String toString() {
        return "MmioTransport[" + name + ", v" + version + "]";
    }
}
