package io.jrump.cli;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_STREAM;

import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A minimal HTTP/1.1 client on a kernel's sockets, for tests: sends exact bytes, reads responses by Content-Length. */
final class KernelHttpClient implements AutoCloseable {
    record Reply(int status, Map<String, String> headers, byte[] body) {
    }

    private final Syscalls sys;
    final int fd;
    private byte[] buf = new byte[64 * 1024];
    private int have;

    /** Connects from {@code sys}'s process; {@code rcvBuf} > 0 sets the socket's receive buffer first (a small window). */
    KernelHttpClient(Syscalls sys, InetSocketAddress to, int rcvBuf) throws ErrnoException {
        this.sys = sys;
        this.fd = sys.socket(AF_INET, SOCK_STREAM, 0);
        if (rcvBuf > 0) {
            sys.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUF, rcvBuf);
        }
        sys.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVTIMEO, 20_000);
        sys.connect(fd, to);
    }

    void send(String raw) throws ErrnoException {
        ByteBuffer b = ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            sys.write(fd, b);
        }
    }

    Reply get(String path) throws ErrnoException {
        send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
        return read(false);
    }

    /** Reads one response; {@code head}: it answers a HEAD (no body whatever Content-Length says). */
    Reply read(boolean head) throws ErrnoException {
        int end;
        while ((end = headEnd()) < 0) {
            fill();
        }
        String text = new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        int length = head || status == 304 ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
        consume(end);
        ByteArrayOutputStream body = new ByteArrayOutputStream(length);
        while (body.size() < length) {
            if (have == 0) {
                fill();
            }
            int k = Math.min(have, length - body.size());
            body.write(buf, 0, k);
            consume(k);
        }
        return new Reply(status, headers, body.toByteArray());
    }

    /** Whether the server closed the connection (end of stream or a reset) with nothing more to read. */
    boolean closedByServer() throws ErrnoException {
        if (have > 0) {
            return false;
        }
        try {
            return sys.read(fd, ByteBuffer.wrap(buf)) <= 0;
        } catch (ErrnoException e) {
            return e.errno() == io.jrump.api.Errno.ECONNRESET;
        }
    }

    /** Where the response head in the buffer ends (after its empty line), or -1. */
    private int headEnd() {
        for (int i = 3; i < have; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private void fill() throws ErrnoException {
        if (have == buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        int n = sys.read(fd, ByteBuffer.wrap(buf, have, buf.length - have));
        if (n <= 0) {
            throw new ErrnoException(io.jrump.api.Errno.ECONNRESET, "the server closed the connection");
        }
        have += n;
    }

    private void consume(int n) {
        System.arraycopy(buf, n, buf, 0, have - n);
        have -= n;
    }

    @Override
    public void close() throws ErrnoException {
        sys.close(fd);
    }
}
