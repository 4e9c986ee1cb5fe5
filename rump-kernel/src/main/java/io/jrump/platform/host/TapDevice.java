package io.jrump.platform.host;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * A Linux TAP interface as a {@link NetDevice}: the kernel's frames go out through
 * {@code /dev/net/tun}, and Linux's frames for the TAP come back the same way.
 *
 * <p>Constants from Linux {@code include/uapi/linux/if_tun.h} (TUNSETIFF, TUNSETOFFLOAD,
 * TUNSETVNETHDRSZ, IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, TUN_F_*) and {@code include/uapi/linux/sockios.h}
 * (SIOCGIFMTU, SIOCGIFFLAGS), {@code if.h} (IFNAMSIZ, IFF_UP, {@code struct ifreq}: the name in
 * 16 bytes, then a 24-byte union).
 *
 * <p><b>Opening</b> attaches to the interface named, or creates it (gone again when closed)
 * when it does not exist, the kernel option {@value #CREATE_OPTION} allows it (the default)
 * and the process may ({@code CAP_NET_ADMIN}). Failures name the interface and say which
 * obstacle it was: ENOENT no {@code /dev/net/tun}, EACCES not allowed to open it, EPERM not
 * allowed to attach to the TAP or to create it, ENODEV no such interface and
 * {@value #CREATE_OPTION}{@code =false}, EBUSY attached elsewhere, EINVAL a TUN rather than a TAP.
 *
 * <p><b>Offloads.</b> The TAP is opened with {@code IFF_VNET_HDR}, so every frame carries a
 * {@link VirtioNetHeader}, and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4) lets Linux hand over
 * unchecksummed and large TCP frames; the device then offers checksum offload both ways and
 * segmentation offload, and bulk TCP crosses in frames of up to 64 KiB. TSO6 is not asked
 * for (the stack has no IPv6) nor TSO_ECN (Linux then segments such frames itself). The option
 * {@value #OFFLOAD_OPTION}{@code =false} turns all of it off: then frames are MTU-sized and
 * checksummed by the stack, for comparison.
 *
 * <p><b>Receiving</b> runs on one kernel thread per device that reads until the queue is
 * empty, then sleeps in {@code poll(2)} on the TAP and an eventfd: it never spins, and an idle
 * device costs a sleeping thread and no CPU. {@link #close()} signals the eventfd and waits for
 * the thread, which closes both descriptors as it ends. When the interface is deleted under
 * the device (read fails with EBADFD) the thread ends the same way and the device is closed. Frames are delivered from one direct buffer that
 * the next read overwrites (valid only during the call, as {@link NetDevice.Receiver} says).
 *
 * <p><b>Link state</b> is up while the device is open, unless a write found the host side
 * down (EIO); then each {@link #isLinkUp()} asks Linux again (SIOCGIFFLAGS), until it is up.
 * The MTU is read when opening; the interface may be moved to another network namespace
 * after that (the descriptor stays valid), where a query by name no longer finds it.
 */
final class TapDevice implements NetDevice {
    /** Kernel option: "false" makes opening a TAP that does not exist fail with ENODEV instead of creating it. */
    static final String CREATE_OPTION = "tap.create";
    /** Kernel option: "false" opens TAPs without checksum and segmentation offload. */
    static final String OFFLOAD_OPTION = "tap.offload";
    /** Where the prefix of a platform device name says "a TAP, by its host name". */
    static final String PREFIX = "tap:";

    private static final String TUN_PATH = "/dev/net/tun";
    /** {@code _IOW('T', 202, int)} and friends, from if_tun.h. */
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    /** sockios.h. */
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCGIFMTU = 0x8921;
    /** if.h: IFNAMSIZ, sizeof(struct ifreq) on LP64, IFF_UP. */
    static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int IFF_UP = 0x1;
    /** The largest frame Linux hands a TAP with TSO/GRO: a 64 KiB IPv4 datagram, its Ethernet and VLAN headers, with room to spare. */
    private static final int RX_BUFFER = VirtioNetHeader.SIZE + 14 + 4 + 65535 + 1024;

    /** How long {@link #close()} waits for the receive thread. */
    static final long JOIN_MILLIS = 5000;

    private static final Set<Offload> ALL = Collections.unmodifiableSet(EnumSet.of(Offload.TX_CHECKSUM, Offload.RX_CHECKSUM, Offload.SEGMENTATION));

    private final String name;
    private final int fd;
    private final int wakeFd;
    private final byte[] mac;
    private final int mtu;
    private final boolean offload;
    private final Set<Offload> offloads;
    private final ByteBuffer tx = ByteBuffer.allocateDirect(RX_BUFFER);
    private final long txAddress = Libc.address(tx);
    private final Thread reader;
    private volatile Receiver receiver;
    private volatile boolean closed;
    private volatile boolean hostDown;
    /** Guarded by {@link #tx}. */
    private boolean fdsClosed;
    private final LongAdder rxDropped = new LongAdder();

    private TapDevice(String name, int fd, int wakeFd, byte[] mac, int mtu, boolean offload,
            BiFunction<String, Runnable, Thread> threads) {
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.mac = mac;
        this.mtu = mtu;
        this.offload = offload;
        this.offloads = offload ? ALL : Set.of();
        this.reader = threads.apply("tap-" + name, this::receiveLoop);
    }

    /**
     * Attaches to (or creates) the TAP {@code name} and starts its receive thread.
     *
     * @param mac the MAC address the kernel uses on it (Linux's side has its own)
     * @param threads makes the (unstarted) kernel thread that receives
     * @throws ErrnoException naming the TAP and the obstacle (see the class note)
     */
    static TapDevice open(String name, boolean create, boolean offload, byte[] mac, BiFunction<String, Runnable, Thread> threads)
            throws ErrnoException {
        checkName(name);
        Libc.ensureAvailable("tap " + name);
        if (!create && !exists(name)) {
            throw new ErrnoException(Errno.ENODEV, "open", "tap " + name, "no such interface, and " + CREATE_OPTION + "=false");
        }
        int fd;
        try {
            fd = Libc.open(TUN_PATH, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            String why = e.getErrorCode() == Errno.ENOENT.number() ? "no " + TUN_PATH + " (no tun driver, or /dev not populated)"
                    : "cannot open " + TUN_PATH;
            throw Libc.errno(e, "open", "tap " + name, why);
        }
        int wake = -1;
        try {
            attach(fd, name, create, offload);
            int mtu = queryMtu(name);
            wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            TapDevice d = new TapDevice(name, fd, wake, mac.clone(), mtu, offload, threads);
            d.reader.start();
            return d;
        } catch (LastErrorException e) {
            closeQuietly(fd);
            closeQuietly(wake);
            throw Libc.errno(e, "open", "tap " + name, "eventfd for the receive thread");
        } catch (ErrnoException | RuntimeException e) {
            closeQuietly(fd);
            closeQuietly(wake);
            throw e;
        }
    }

    /** Names Linux accepts for an interface: 1 to 15 bytes, no '/', ':', NUL or white space, not "." or "..". */
    static void checkName(String name) throws ErrnoException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        boolean ok = b.length > 0 && b.length < IFNAMSIZ && !name.equals(".") && !name.equals("..");
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c != '/' && c != ':' && c != 0 && !Character.isWhitespace(c);
        }
        if (!ok) {
            throw new ErrnoException(Errno.EINVAL, "open", "tap " + name, "not a valid interface name (1 to " + (IFNAMSIZ - 1)
                    + " bytes, no '/', ':' or white space)");
        }
    }

    /** Whether an interface of that name exists in the JVM's network namespace. */
    private static boolean exists(String name) {
        try {
            return Libc.if_nametoindex(name) != 0;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private static void attach(int fd, String name, boolean create, boolean offload) throws ErrnoException {
        ByteBuffer ifr = ifreq(name);
        ifr.putShort(IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
        boolean existed = exists(name);
        try {
            Libc.ioctl(fd, TUNSETIFF, Libc.address(ifr));
        } catch (LastErrorException e) {
            int code = e.getErrorCode();
            String why;
            if (code == Errno.EPERM.number() && !existed) {
                why = "no such interface, and creating one needs CAP_NET_ADMIN";
            } else if (code == Errno.EPERM.number()) {
                why = "not allowed to attach (the TAP belongs to another user or group, or CAP_NET_ADMIN is missing)";
            } else if (code == Errno.EBUSY.number()) {
                why = "the TAP is already attached to another descriptor";
            } else if (code == Errno.EINVAL.number()) {
                why = "the interface exists and is not a TAP (a TUN, or another kind of interface)";
            } else {
                why = "TUNSETIFF failed";
            }
            throw Libc.errno(e, "open", "tap " + name, why);
        }
        ByteBuffer size = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, VirtioNetHeader.SIZE);
        try {
            Libc.ioctl(fd, TUNSETVNETHDRSZ, Libc.address(size));
            Libc.ioctl(fd, TUNSETOFFLOAD, offload ? TUN_F_CSUM | TUN_F_TSO4 : 0);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "open", "tap " + name, "setting the virtio-net header and offloads");
        }
    }

    private static ByteBuffer ifreq(String name) {
        ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ifr.put(0, n); // the rest is zero: the name is NUL-terminated
        return ifr;
    }

    /** An ioctl on an interface by name, through a datagram socket (the way ifconfig asks); returns the union's int. */
    private static int ifreqQuery(String name, long request) throws LastErrorException {
        ByteBuffer ifr = ifreq(name);
        int s = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try {
            Libc.ioctl(s, request, Libc.address(ifr));
            return ifr.getInt(IFNAMSIZ);
        } finally {
            closeQuietly(s);
        }
    }

    private static int queryMtu(String name) throws ErrnoException {
        try {
            return ifreqQuery(name, SIOCGIFMTU);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "open", "tap " + name, "SIOCGIFMTU");
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                Libc.close(fd);
            } catch (LastErrorException e) {
                // nothing to do: the descriptor is gone either way (close(2) on Linux)
            }
        }
    }

    /** The host interface's name. */
    String hostName() {
        return name;
    }

    /** Frames received and dropped (a header pointing outside its frame), for tests. */
    long rxDropped() {
        return rxDropped.sum();
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public Set<Offload> offloads() {
        return offloads;
    }

    /**
     * One {@code write(2)} per frame, with its virtio-net header: a TCP datagram larger than
     * the MTU (segmentation offload) goes as one frame and Linux cuts it.
     *
     * @throws ErrnoException EMSGSIZE for a frame larger than 64 KiB and its headers; ENETDOWN
     *         when the device is closed or the host side is down; what write reports
     */
    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        int len = frame.remaining();
        if (len > tx.capacity() - VirtioNetHeader.SIZE) {
            throw new ErrnoException(Errno.EMSGSIZE, "transmit", "tap " + name, "frame of " + len + " bytes");
        }
        synchronized (tx) {
            if (closed) {
                throw new ErrnoException(Errno.ENETDOWN, "transmit", "tap " + name, "device closed (or its TAP deleted)");
            }
            tx.put(VirtioNetHeader.SIZE, frame, frame.position(), len);
            VirtioNetHeader.forTransmit(tx, 0, VirtioNetHeader.SIZE, len, mtu, offload);
            try {
                Libc.write(fd, txAddress, VirtioNetHeader.SIZE + len);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EIO.number()) {
                    hostDown = true;
                    throw new ErrnoException(Errno.ENETDOWN, "transmit", "tap " + name, "the host side of the TAP is down");
                }
                throw Libc.errno(e, "transmit", "tap " + name, null);
            }
        }
    }

    @Override
    public void receiver(Receiver r) {
        receiver = r;
    }

    @Override
    public boolean isLinkUp() {
        if (closed) {
            return false;
        }
        if (hostDown) {
            try {
                hostDown = (ifreqQuery(name, SIOCGIFFLAGS) & IFF_UP) == 0;
            } catch (LastErrorException e) {
                hostDown = false; // not visible from here (moved to another namespace): let a write tell
            }
        }
        return !hostDown;
    }

    /** Reads until the TAP is empty, then sleeps in poll(2) until it has frames or {@link #close} signals. */
    private void receiveLoop() {
        ByteBuffer rx = ByteBuffer.allocateDirect(RX_BUFFER);
        long rxAddress = Libc.address(rx);
        ByteBuffer fds = ByteBuffer.allocateDirect(2 * Libc.POLLFD_SIZE).order(ByteOrder.nativeOrder());
        fds.putInt(0, fd).putShort(4, Libc.POLLIN);
        fds.putInt(Libc.POLLFD_SIZE, wakeFd).putShort(Libc.POLLFD_SIZE + 4, Libc.POLLIN);
        long fdsAddress = Libc.address(fds);
        boolean trusted = offloads.contains(Offload.RX_CHECKSUM);
        try {
            receive(rx, rxAddress, fds, fdsAddress, trusted);
        } finally {
            synchronized (tx) { // the descriptors are the reader's to close: it alone may still be in a call on them
                closed = true;
                if (!fdsClosed) {
                    fdsClosed = true;
                    closeQuietly(fd);
                    closeQuietly(wakeFd);
                }
            }
        }
    }

    private void receive(ByteBuffer rx, long rxAddress, ByteBuffer fds, long fdsAddress, boolean trusted) {
        while (!closed) {
            long n;
            try {
                n = Libc.read(fd, rxAddress, rx.capacity());
            } catch (LastErrorException e) {
                int code = e.getErrorCode();
                if (code == Errno.EAGAIN.number()) {
                    if (!sleep(fds, fdsAddress)) {
                        return;
                    }
                    continue;
                }
                if (code == Errno.EINTR.number()) {
                    continue;
                }
                // EBADFD: the interface was deleted under us. Nothing more will come: the device closes.
                System.getLogger("jrump.tap").log(System.Logger.Level.WARNING, "tap " + name + ": read failed, errno " + code
                        + "; receiving stops");
                return;
            }
            deliver(rx, (int) n, trusted);
        }
    }

    /** Waits in poll(2); false when woken to close. */
    private boolean sleep(ByteBuffer fds, long fdsAddress) {
        fds.putShort(6, (short) 0).putShort(Libc.POLLFD_SIZE + 6, (short) 0);
        try {
            Libc.poll(fdsAddress, 2, -1);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.EINTR.number()) {
                throw e;
            }
        }
        return fds.getShort(Libc.POLLFD_SIZE + 6) == 0 && !closed;
    }

    private void deliver(ByteBuffer rx, int n, boolean trusted) {
        int len = n - VirtioNetHeader.SIZE;
        Receiver r = receiver;
        if (len <= 0 || r == null) {
            return;
        }
        if (!VirtioNetHeader.onReceive(rx, 0, VirtioNetHeader.SIZE, len, trusted)) {
            rxDropped.increment();
            return;
        }
        rx.limit(n).position(VirtioNetHeader.SIZE);
        try {
            r.receive(rx);
        } catch (RuntimeException e) {
            System.getLogger("jrump.tap").log(System.Logger.Level.WARNING, "tap " + name + ": receiver failed", e);
        }
        rx.clear();
    }

    /**
     * Stops the receive thread (waking it through the eventfd), which then closes the TAP's
     * descriptors; waits for it, up to {@value #JOIN_MILLIS} ms (a receiver blocked on a lock the
     * caller holds must not hang close), unless called from the receiver itself. Idempotent.
     */
    @Override
    public void close() {
        synchronized (tx) {
            if (closed) {
                return;
            }
            closed = true;
            if (!fdsClosed) {
                ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
                try {
                    Libc.write(wakeFd, Libc.address(one), 8);
                } catch (LastErrorException e) {
                    // the counter cannot overflow from one write; nothing else can fail here
                }
            }
        }
        receiver = null;
        if (Thread.currentThread() == reader) {
            return; // the loop sees closed when the receiver returns
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000L;
        while (reader.isAlive() && System.nanoTime() < deadline) {
            try {
                reader.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (reader.isAlive()) {
            System.getLogger("jrump.tap").log(System.Logger.Level.WARNING, "tap " + name
                    + ": the receive thread is still in its receiver; it closes the TAP when that returns");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Whether the receive thread has ended, for tests. */
    boolean receiverStopped() {
        return !reader.isAlive();
    }

    @Override
    public String toString() {
        return "tap " + name;
    }
}
