package io.jrump.net.channels;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

/**
 * An Ethernet cable between two JVMs: the kernel's frames travel over one TCP connection of the
 * host, each as a 4-byte big-endian length and the frame (the framing of QEMU's
 * {@code -netdev stream}). One JVM listens ({@code link:listen:PORT}), the other connects
 * ({@code link:connect:HOST:PORT}); until the connection is there the link is down and frames
 * are dropped, as on an unplugged cable, and TCP's retransmissions carry on once it is.
 *
 * <p>It uses {@code java.net.Socket}, which in JDK 17 never goes through the JVM-wide
 * {@code SelectorProvider}, so the cable stays on the host's network while every channel of the
 * program runs in the kernel. The far end is always another kernel's link, and the host's TCP
 * delivers the bytes intact and in order, so like the in-memory bus it offers checksum and
 * segmentation offload: segments of up to 64 KiB cross whole.
 *
 * <p>Frames go out through a {@link LinkWriter}, a queue and a thread of their own: the receive
 * thread, which runs the kernel's answers to what arrives, never waits for the host socket, so
 * two JVMs sending to each other at once cannot stop each other (see there).
 */
final class HostStreamLink implements NetDevice {
    /** The largest frame accepted: an Ethernet header and a whole IPv4 datagram. */
    private static final int MAX_FRAME = 14 + 65535;
    private static final int MTU = 1500;
    private static final Set<Offload> OFFLOADS = Set.copyOf(EnumSet.allOf(Offload.class));

    private final byte[] mac;
    private final Object attachLock = new Object();
    private final ServerSocket listener;
    private volatile Socket socket;
    private volatile LinkWriter writer;
    private volatile Receiver receiver;
    private volatile boolean closed;

    private HostStreamLink(ServerSocket listener) {
        this.listener = listener;
        this.mac = new byte[6];
        new SecureRandom().nextBytes(mac);
        mac[0] = (byte) ((mac[0] & 0xfc) | 0x02); // locally administered, unicast
    }

    /** Listens on the host's {@code at} and takes the first connection, in the background. */
    static HostStreamLink listen(InetSocketAddress at) throws IOException {
        return listen(at, 0);
    }

    /** As {@link #listen(InetSocketAddress)}, with host socket buffers of {@code hostBuffer} bytes (0: the host's default). */
    static HostStreamLink listen(InetSocketAddress at, int hostBuffer) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        if (hostBuffer > 0) {
            ss.setReceiveBufferSize(hostBuffer);
        }
        ss.bind(at, 1);
        HostStreamLink link = new HostStreamLink(ss);
        Thread t = new Thread(() -> {
            try {
                link.attach(ss.accept(), hostBuffer);
            } catch (IOException e) {
                // closed before a peer came
            } finally {
                try {
                    ss.close();
                } catch (IOException ignored) {
                    // nothing to release any more
                }
            }
        }, "jrump-link-accept " + at);
        t.setDaemon(true);
        t.start();
        return link;
    }

    /** Connects to a listening link at {@code peer}, trying again for up to {@code waitMillis} while nobody listens yet. */
    static HostStreamLink connect(InetSocketAddress peer, long waitMillis) throws IOException {
        return connect(peer, waitMillis, 0);
    }

    /** As {@link #connect(InetSocketAddress, long)}, with host socket buffers of {@code hostBuffer} bytes (0: the host's default). */
    static HostStreamLink connect(InetSocketAddress peer, long waitMillis, int hostBuffer) throws IOException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (true) {
            Socket s = new Socket();
            try {
                if (hostBuffer > 0) {
                    s.setReceiveBufferSize(hostBuffer);
                }
                s.connect(peer);
                HostStreamLink link = new HostStreamLink(null);
                link.attach(s, hostBuffer);
                return link;
            } catch (IOException e) {
                s.close();
                if (System.nanoTime() > deadline) {
                    throw new IOException("link:connect to " + peer + ": " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("link:connect to " + peer + ": interrupted", ie);
                }
            }
        }
    }

    private void attach(Socket s, int hostBuffer) throws IOException {
        s.setTcpNoDelay(true);
        if (hostBuffer > 0) {
            s.setSendBufferSize(hostBuffer);
        }
        LinkWriter w = new LinkWriter(String.valueOf(s.getRemoteSocketAddress()), this::close);
        synchronized (attachLock) {
            if (closed) {
                s.close();
                return;
            }
            socket = s;
            w.start(s.getOutputStream());
            writer = w;
        }
        Thread rx = new Thread(() -> receiveLoop(s), "jrump-link-rx " + s.getRemoteSocketAddress());
        rx.setDaemon(true);
        rx.start();
    }

    private void receiveLoop(Socket s) {
        try {
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (!closed) {
                int n = in.readInt();
                if (n < 14 || n > MAX_FRAME) {
                    throw new IOException("frame of " + n + " bytes on the link");
                }
                byte[] frame = new byte[n];
                in.readFully(frame);
                Receiver r = receiver;
                if (r != null) {
                    r.receive(ByteBuffer.wrap(frame).asReadOnlyBuffer());
                }
            }
        } catch (EOFException e) {
            // the far end went away: the link is down
        } catch (IOException e) {
            if (!closed) {
                System.err.println("jrump: link " + s.getRemoteSocketAddress() + " down: " + e.getMessage());
            }
        } finally {
            close();
        }
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public int mtu() {
        return MTU;
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        int n = frame.remaining();
        if (n < 14 || n > MAX_FRAME) {
            throw new ErrnoException(Errno.EMSGSIZE, "frame of " + n + " bytes on a host stream link");
        }
        LinkWriter w = writer;
        if (w == null || closed) {
            return; // unplugged: dropped, as a cable would
        }
        byte[] wire = new byte[4 + n];
        ByteBuffer.wrap(wire).putInt(n).put(frame.duplicate());
        w.offer(wire); // never waits for the host (see LinkWriter); a full queue drops the frame
    }

    /** Frames dropped because the host connection did not take them fast enough. */
    long droppedFrames() {
        LinkWriter w = writer;
        return w == null ? 0 : w.dropped();
    }

    @Override
    public void receiver(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public boolean isLinkUp() {
        return socket != null && !closed;
    }

    @Override
    public Set<Offload> offloads() {
        return OFFLOADS;
    }

    @Override
    public void close() {
        synchronized (attachLock) {
            closed = true;
        }
        LinkWriter w = writer;
        if (w != null) {
            w.close();
        }
        try {
            Socket s = socket;
            if (s != null) {
                s.close();
            }
            if (listener != null) {
                listener.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        Socket s = socket;
        return "host stream link " + (s == null ? "(waiting)" : s.getLocalSocketAddress() + " <-> " + s.getRemoteSocketAddress());
    }
}
