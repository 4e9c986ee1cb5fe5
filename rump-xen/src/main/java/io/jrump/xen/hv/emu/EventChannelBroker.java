package io.jrump.xen.hv.emu;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Event channels between an emulated domain and another process (a backend such as QEMU's
 * xen-disk running under an LD_PRELOAD library that stands in for libxenevtchn). The process
 * connects to this Unix socket once per interdomain binding and sends
 * {@code {uint32 domid, uint32 remote_port}} (little-endian): the unbound port of that emulated
 * domain it binds to. The broker answers one {@code int32}: 0, or the errno of the refusal.
 * From then on each byte either side sends is one notification.
 */
public final class EventChannelBroker implements AutoCloseable {
    private final EmulatedXen xen;
    private final int backendDomid;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private EventChannelBroker(EmulatedXen xen, int backendDomid, Path path, ServerSocketChannel server) {
        this.xen = xen;
        this.backendDomid = backendDomid;
        this.path = path;
        this.server = server;
        this.acceptor = new Thread(this::accept, "xen-evtchn-broker");
        acceptor.setDaemon(true);
    }

    /** Listens on {@code path} for bindings made by a process acting as domain {@code backendDomid}. */
    public static EventChannelBroker start(EmulatedXen xen, int backendDomid, Path path) throws ErrnoException {
        try {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
            EventChannelBroker b = new EventChannelBroker(xen, backendDomid, path, s);
            b.acceptor.start();
            return b;
        } catch (IOException e) {
            throw new ErrnoException(Errno.EADDRINUSE, "bind", path.toString(), "event channel broker: " + e.getMessage());
        }
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                connections.add(c);
                Thread t = new Thread(() -> serve(c), "xen-evtchn-external");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            ByteBuffer req = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (req.hasRemaining()) {
                if (c.read(req) < 0) {
                    return;
                }
            }
            int domid = req.getInt(0);
            int port = req.getInt(4);
            EventPort local;
            int status = 0;
            try {
                EmulatedEventChannels ch = xen.eventChannelsOf(domid);
                if (ch == null) {
                    throw new ErrnoException(Errno.ESRCH, "no domain " + domid);
                }
                local = ch.bindExternal(backendDomid, port, () -> {
                    try {
                        c.write(ByteBuffer.wrap(new byte[] {1}));
                    } catch (IOException e) {
                        // the process went away: the notification is lost, as to a closed port
                    }
                });
            } catch (ErrnoException e) {
                local = null;
                status = e.errno().number();
            }
            c.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, status));
            if (local == null) {
                return;
            }
            ByteBuffer b = ByteBuffer.allocate(64);
            while (c.read(b.clear()) > 0) {
                local.signal();
            }
        } catch (IOException e) {
            // connection ended
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            for (SocketChannel c : connections) {
                c.close();
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // already gone
        }
    }
}
