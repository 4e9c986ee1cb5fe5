package io.jrump.xen.xenstore;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;

/**
 * xenstore over a byte stream: the daemon's Unix socket ({@code /var/run/xenstored/socket}, or
 * what {@code XENSTORED_PATH} names), as the tools in a privileged domain use it, or a guest
 * kernel's xenbus device ({@code /dev/xen/xenbus}), which relays the same messages over the
 * domain's shared ring. The stream carries the messages back to back; a message is its 16-byte
 * header and then the payload.
 */
public final class StreamTransport implements XsTransport {
    /** The socket libxenstore connects to when neither XENSTORED_PATH nor XENSTORED_RUNDIR is set. */
    public static final Path DEFAULT_PATH = Path.of("/var/run/xenstored/socket");

    private final Path path;
    private final ByteChannel channel;

    private StreamTransport(Path path, ByteChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Connects to the daemon listening on {@code path}. */
    public static StreamTransport connect(Path path) throws ErrnoException {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new StreamTransport(path, ch);
        } catch (IOException e) {
            throw new ErrnoException(Errno.ECONNREFUSED, "connect", path.toString(), "xenstore: " + e.getMessage());
        }
    }

    /** {@code /dev/xen/xenbus} of a Linux guest. */
    public static final Path XENBUS_DEVICE = Path.of("/dev/xen/xenbus");

    /** Opens a xenbus character device, which speaks the same stream. */
    public static StreamTransport openDevice(Path device) throws ErrnoException {
        try {
            return new StreamTransport(device, FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new ErrnoException(Errno.ENODEV, "open", device.toString(), "xenstore: " + e.getMessage());
        }
    }

    @Override
    public void send(XsMessage message) throws ErrnoException {
        ByteBuffer b = message.bytes();
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "write", path.toString(), "xenstore: " + e.getMessage());
        }
    }

    @Override
    public XsMessage receive() throws ErrnoException {
        ByteBuffer header = ByteBuffer.allocate(XsMessage.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        fill(header);
        long len = Integer.toUnsignedLong(header.getInt(XsMessage.LEN));
        if (len > XsMessage.PAYLOAD_MAX) {
            throw new ErrnoException(Errno.EIO, "read", path.toString(), "xenstore: payload length " + len + " exceeds " + XsMessage.PAYLOAD_MAX);
        }
        ByteBuffer whole = ByteBuffer.allocate(XsMessage.HEADER_SIZE + (int) len);
        whole.put(header.flip());
        fill(whole);
        return XsMessage.wrap(whole.flip()).check();
    }

    private void fill(ByteBuffer b) throws ErrnoException {
        try {
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new ErrnoException(Errno.EIO, "read", path.toString(), "xenstore: the daemon closed the connection");
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "read", path.toString(), "xenstore: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket fails only if it is already unusable; nothing to release
        }
    }
}
