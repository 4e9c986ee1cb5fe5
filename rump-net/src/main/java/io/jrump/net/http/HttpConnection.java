package io.jrump.net.http;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One client connection, served on a thread of its own with blocking kernel socket calls:
 * read until a whole request head is buffered, parse it, answer it, and go on with the next
 * (pipelined requests already buffered are answered in order, without reading again).
 *
 * <p>Every wait is bounded, so no client holds the thread for ever: the next request must
 * start within the idle timeout, its head must be complete within the header timeout of its
 * first byte however slowly the bytes trickle in (a slowloris client gets 408 and is closed),
 * and every write must make progress within the send timeout. Each blocking read is given the
 * time left ({@code SO_RCVTIMEO}), and the deadline is checked after every read.
 */
final class HttpConnection implements Runnable {
    /** Bytes of a response sent per write: the header and a small file go out in one write, as one segment. */
    private static final int OUT_BUFFER = 64 * 1024;
    /** Bounds of a lingering close: nginx lingers 5 s at most; 2 s and 1 MiB are enough for a client to see its answer. */
    private static final long LINGER_MILLIS = 2000;
    private static final long LINGER_BYTES = 1 << 20;

    private final HttpFileServer server;
    private final Syscalls net;
    private final int fd;
    private final String peer;
    private final FileHandler handler;
    private final HttpOptions options;
    private final byte[] in;
    private final ByteBuffer out = ByteBuffer.allocate(OUT_BUFFER);
    private final Response response = new Response();
    private int have;
    private boolean fdClosed;
    private int rcvTimeoutMillis = -1;
    /** Whether the connection ends because the server answered and closes (not because the client left). */
    private boolean answered;

    HttpConnection(HttpFileServer server, Syscalls net, int fd, String peer, FileHandler handler, HttpOptions options) {
        this.server = server;
        this.net = net;
        this.fd = fd;
        this.peer = peer;
        this.handler = handler;
        this.options = options;
        this.in = new byte[options.limits().maxHeadBytes()];
    }

    @Override
    public void run() {
        try {
            net.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDTIMEO, (int) Math.min(Integer.MAX_VALUE, options.sendTimeout().toMillis()));
            net.setsockopt(fd, SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, 1);
            if (serve()) {
                lingeringClose();
            }
        } catch (ErrnoException e) {
            // the client went away (ECONNRESET, EPIPE), a write timed out, or the server is closing
        } finally {
            closeFd();
            server.finished(this);
        }
    }

    /** Serves requests until the connection ends; true when the server ends it after a response. */
    private boolean serve() throws ErrnoException {
        while (true) {
            int end = RequestHead.headEnd(in, 0, have);
            if (end < 0) {
                end = readHead();
                if (end < 0) {
                    return answered;
                }
            }
            RequestHead head;
            Response r = response;
            r.reset();
            String line = null;
            try {
                head = RequestHead.parse(in, 0, end, options.limits());
                line = head.requestLine();
                if (head.header("transfer-encoding") != null) {
                    throw new HttpError(Status.NOT_IMPLEMENTED, "request bodies are not taken");
                }
                long body = head.contentLength();
                handler.handle(head, r);
                boolean keep = head.minorVersion() >= 1 ? !head.hasToken("connection", "close") : head.hasToken("connection", "keep-alive");
                r.close |= !keep || body > 0 || server.isClosing(); // an unread body would be taken for the next request
                send(r, head.minorVersion() == 0 && keep && !r.close);
            } catch (HttpError e) {
                r.reset();
                r.error(e.status(), e.getMessage());
                r.close = true;
                if (line == null) {
                    line = firstLine(end);
                }
                send(r, false);
            }
            log(line, r);
            if (r.close) {
                return true;
            }
            System.arraycopy(in, end, in, 0, have - end);
            have -= end;
        }
    }

    /**
     * Reads until the buffer holds a whole head; returns where it ends, or -1 when the
     * connection is done (closed by the client, idle too long, or answered with an error).
     */
    private int readHead() throws ErrnoException {
        long now = System.nanoTime();
        boolean started = have > 0;
        long deadline = now + (started ? options.headerTimeout() : options.idleTimeout()).toNanos();
        while (true) {
            try {
                RequestHead.checkPartial(in, 0, have, options.limits());
            } catch (HttpError e) {
                reject(e.status(), e.getMessage());
                return -1;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                if (started) {
                    reject(Status.REQUEST_TIMEOUT, "request head not complete within " + options.headerTimeout().toMillis() + " ms");
                }
                return -1;
            }
            timeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000L)));
            int n;
            try {
                n = net.read(fd, ByteBuffer.wrap(in, have, in.length - have));
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN) {
                    continue; // the deadline decides
                }
                throw e;
            }
            if (n <= 0) {
                return -1;
            }
            if (!started) {
                started = true;
                deadline = System.nanoTime() + options.headerTimeout().toNanos();
            }
            int from = Math.max(0, have - 3);
            have += n;
            int end = RequestHead.headEnd(in, from, have);
            if (end >= 0) {
                return end;
            }
        }
    }

    /**
     * Closes the way HTTP servers must when the client may still be sending (RFC 9112 9.6, nginx's
     * lingering close): a close with unread bytes makes TCP send a reset, which can destroy the
     * response the client has not read yet (the 431 to a client still sending a huge head). So
     * the sending half is shut first, and what still arrives is read and dropped until the client
     * closes, at most {@value #LINGER_BYTES} bytes for at most {@value #LINGER_MILLIS} ms.
     */
    private void lingeringClose() throws ErrnoException {
        net.shutdown(fd, SocketConstants.SHUT_WR);
        long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
        long dropped = 0;
        ByteBuffer sink = ByteBuffer.wrap(in);
        while (dropped < LINGER_BYTES) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return;
            }
            timeout((int) Math.max(1, left));
            sink.clear();
            int n;
            try {
                n = net.read(fd, sink);
            } catch (ErrnoException e) {
                return; // timed out (EAGAIN) or reset: either way done
            }
            if (n <= 0) {
                return;
            }
            dropped += n;
        }
    }

    private void timeout(int millis) throws ErrnoException {
        if (millis != rcvTimeoutMillis) {
            net.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVTIMEO, millis);
            rcvTimeoutMillis = millis;
        }
    }

    private void reject(Status s, String why) throws ErrnoException {
        answered = true;
        Response r = response;
        r.reset();
        r.error(s, why);
        r.close = true;
        send(r, false);
        log(firstLine(have), r);
    }

    /** The request line as far as it came, for the log of a request that could not be parsed. */
    private String firstLine(int to) {
        int e = 0;
        while (e < to && e < 1024 && in[e] != '\n' && in[e] != '\r') {
            e++;
        }
        return new String(in, 0, e, StandardCharsets.ISO_8859_1);
    }

    private void send(Response r, boolean keepAliveHeader) throws ErrnoException {
        try {
            out.clear();
            StringBuilder h = new StringBuilder(160 + r.headers.length());
            h.append("HTTP/1.1 ").append(r.status.code).append(' ').append(r.status.reason).append("\r\n");
            h.append("Date: ").append(server.date()).append("\r\nServer: jrump\r\n");
            h.append(r.headers);
            if (!r.status.bodiless()) {
                h.append("Content-Length: ").append(r.contentLength()).append("\r\n");
            }
            if (r.close) {
                h.append("Connection: close\r\n");
            } else if (keepAliveHeader) {
                h.append("Connection: keep-alive\r\n");
            }
            h.append("\r\n");
            for (int i = 0; i < h.length(); i++) {
                out.put((byte) h.charAt(i)); // header values are ASCII: paths are percent-encoded
            }
            long sent = 0;
            if (!r.headOnly && !r.status.bodiless()) {
                if (r.body != null) {
                    int off = 0;
                    while (off < r.body.length) {
                        int k = Math.min(out.remaining(), r.body.length - off);
                        out.put(r.body, off, k);
                        off += k;
                        if (out.remaining() == 0) {
                            flush();
                        }
                    }
                    sent = r.body.length;
                } else if (r.fileFd >= 0) {
                    sent = sendFile(r);
                }
            }
            flush();
            server.sent(sent);
        } finally {
            if (r.fileFd >= 0) {
                int f = r.fileFd;
                r.fileFd = -1;
                handler.close(f);
            }
        }
    }

    private long sendFile(Response r) throws ErrnoException {
        long pos = r.fileOffset;
        long left = r.fileLength;
        while (left > 0) {
            if (out.remaining() == 0) {
                flush();
            }
            int room = (int) Math.min(out.remaining(), left);
            ByteBuffer slice = out.slice(out.position(), room);
            int n = handler.pread(r.fileFd, slice, pos);
            if (n <= 0) {
                // the file shrank after Content-Length was sent: the only honest end is closing
                r.close = true;
                flush();
                throw new ErrnoException(Errno.EIO, "file shorter than its Content-Length");
            }
            out.position(out.position() + n);
            pos += n;
            left -= n;
        }
        return r.fileLength;
    }

    private void flush() throws ErrnoException {
        out.flip();
        while (out.hasRemaining()) {
            net.write(fd, out); // EAGAIN after SO_SNDTIMEO: the client does not take bytes
        }
        out.clear();
    }

    private void log(String line, Response r) {
        server.request();
        var log = options.accessLog();
        if (log == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(128);
        sb.append(peer).append(" - - [").append(server.clfDate()).append("] \"");
        escape(sb, line);
        sb.append("\" ").append(r.status.code).append(' ');
        long bytes = r.headOnly || r.status.bodiless() ? 0 : r.contentLength();
        sb.append(bytes == 0 ? "-" : String.valueOf(bytes));
        log.accept(sb.toString());
    }

    /** Apache's escaping of the request line in the log: quotes, backslashes and non-printable bytes as \xhh. */
    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                sb.append("\\x").append(Character.forDigit(c >> 4 & 15, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                sb.append(c);
            }
        }
    }

    /** Ends the connection from another thread (the server is closing): wakes a blocked read. */
    synchronized void abort() {
        if (!fdClosed) {
            try {
                net.shutdown(fd, SocketConstants.SHUT_RDWR);
            } catch (ErrnoException e) {
                // already gone
            }
        }
    }

    private synchronized void closeFd() {
        if (!fdClosed) {
            fdClosed = true;
            try {
                net.close(fd);
            } catch (ErrnoException e) {
                // nothing left to do for this connection
            }
        }
    }
}
