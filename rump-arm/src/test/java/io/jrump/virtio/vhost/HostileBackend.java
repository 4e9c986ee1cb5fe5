package io.jrump.virtio.vhost;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A vhost-user backend that takes the setup and then walks away: it answers GET_FEATURES with
 * VERSION_1 alone (so no protocol features, no acknowledgements), accepts every other message
 * without looking at it, never serves a ring, and closes the connection either when a given
 * request arrives (mid-handshake) or when the test says so (frames in flight). The passed file
 * descriptors are dropped by the kernel, since it reads without room for them.
 */
final class HostileBackend implements AutoCloseable {
    /** virtio 1.2 6: VIRTIO_F_VERSION_1. */
    private static final long VERSION_1 = 1L << 32;

    final Path socket;
    private final ServerSocketChannel server;
    private final int closeOn;
    private final Thread thread;
    private volatile SocketChannel client;

    /**
     * @param closeOn the request whose arrival closes the connection, or 0 to close only on {@link #hangUp()}
     */
    HostileBackend(Path dir, int closeOn) throws IOException {
        this.socket = dir.resolve("hostile.sock");
        Files.deleteIfExists(socket);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.closeOn = closeOn;
        this.thread = new Thread(this::serve, "hostile vhost-user backend");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        try (SocketChannel c = server.accept()) {
            client = c;
            ByteBuffer header = ByteBuffer.allocate(VhostUserMessage.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            while (true) {
                header.clear();
                if (!readFully(c, header)) {
                    return;
                }
                int request = header.getInt(0);
                ByteBuffer payload = ByteBuffer.allocate(header.getInt(8));
                if (!readFully(c, payload)) {
                    return;
                }
                if (request == closeOn) {
                    return;
                }
                if (request == VhostUserMessage.GET_FEATURES) {
                    ByteBuffer reply = ByteBuffer.allocate(VhostUserMessage.HEADER_SIZE + 8).order(ByteOrder.LITTLE_ENDIAN);
                    reply.putInt(request).putInt(VhostUserMessage.VERSION | VhostUserMessage.FLAG_REPLY).putInt(8).putLong(VERSION_1).flip();
                    while (reply.hasRemaining()) {
                        c.write(reply);
                    }
                }
            }
        } catch (IOException e) {
            // the driver went first: nothing to serve
        }
    }

    private static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Closes the connection now (the driver may be waiting on the rings). */
    void hangUp() throws IOException {
        SocketChannel c = client;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        hangUp();
        server.close();
        thread.join(5000);
        Files.deleteIfExists(socket);
    }
}
