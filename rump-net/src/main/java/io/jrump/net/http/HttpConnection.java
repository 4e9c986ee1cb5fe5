package io.jrump.net.http;

import static io.jrump.api.SocketConstants.IPPROTO_TCP;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_SNDBUF;
import static io.jrump.api.SocketConstants.TCP_NODELAY;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One client connection as a state machine driven by its {@link EventLoop}: the socket is
 * non-blocking, and each call ({@link #ready}, {@link #expire}) does what can be done without
 * waiting and returns, leaving in {@link #events()} what the connection waits for next and in
 * {@link #deadline()} until when.
 *
 * <p>States: <b>reading</b> a request head (POLLIN), <b>writing</b> a response the socket did
 * not take at once (POLLOUT; no further request is read meanwhile, so a client that does not
 * read cannot make the server buffer more than one output buffer), <b>lingering</b> after the
 * server ended the connection (POLLIN, bytes dropped), and <b>done</b>.
 *
 * <p>Pipelined requests already buffered are answered in order; small responses to them are
 * gathered in the output buffer and go out in one write. A file body is read with
 * {@code pread} straight into the output buffer's free room, as much at a time as fits.
 *
 * <p>Every wait is bounded, so no client holds a connection for ever: the next request must
 * start within the idle timeout, its head must be complete within the header timeout of its
 * first byte however slowly the bytes trickle in (a slowloris client gets 408 and is closed),
 * and a response's bytes must be taken by the client at least once per send timeout.
 */
final class HttpConnection {
    /** Bytes of responses gathered per write: the header and a small file go out in one write, as one segment. */
    static final int OUT_BUFFER = 64 * 1024;
    /** Bounds of a lingering close: nginx lingers 5 s at most; 2 s and 1 MiB are enough for a client to see its answer. */
    static final long LINGER_NANOS = 2_000_000_000L;
    static final long LINGER_BYTES = 1 << 20;

    private enum State { READING, WRITING, LINGERING, DONE }

    private final HttpFileServer server;
    private final Syscalls net;
    private final int fd;
    private final String peer;
    private final FileHandler handler;
    private final HttpOptions options;
    private final byte[] in;
    private final ByteBuffer out = ByteBuffer.allocate(OUT_BUFFER);
    private final Response response = new Response();
    /** The field offsets of the request being answered, reused ({@link RequestHead#parse}). */
    private final int[] fieldScratch = new int[16 * 4];
    private final ByteBuffer inBuffer;
    private State state = State.READING;
    /** Buffered request bytes: {@code in[start, have)}. */
    private int start;
    private int have;
    /** The client sent its FIN: answer what is buffered, then close. */
    private boolean inputEnded;
    /** A response still being moved into {@link #out} (its head, generated body or file). */
    private boolean responding;
    /** Whether the connection ends (lingering) once the current response is out. */
    private boolean closeAfter;
    private long deadline;
    private long lingered;

    HttpConnection(HttpFileServer server, Syscalls net, int fd, String peer, FileHandler handler, HttpOptions options) {
        this.server = server;
        this.net = net;
        this.fd = fd;
        this.peer = peer;
        this.handler = handler;
        this.options = options;
        this.in = new byte[options.limits().maxHeadBytes()];
        this.inBuffer = ByteBuffer.wrap(in);
    }

    /** Makes the socket non-blocking and without Nagle's delay (a response is written whole, so nothing waits for more). */
    void open(long now) throws ErrnoException {
        int fl = net.fcntl(fd, io.jrump.api.Fcntl.F_GETFL, 0);
        net.fcntl(fd, io.jrump.api.Fcntl.F_SETFL, fl | io.jrump.api.OpenFlags.O_NONBLOCK);
        net.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        if (options.sendBuffer() > 0) {
            net.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, options.sendBuffer());
        }
        deadline = now + options.idleTimeout().toNanos();
    }

    int fd() {
        return fd;
    }

    boolean isDone() {
        return state == State.DONE;
    }

    /** The poll events the connection waits for. */
    int events() {
        return switch (state) {
            case READING, LINGERING -> PollFd.POLLIN;
            case WRITING -> PollFd.POLLOUT;
            case DONE -> 0;
        };
    }

    /** When the current wait ends (System.nanoTime). */
    long deadline() {
        return deadline;
    }

    /** Poll reported {@code revents}: does what can be done now. */
    void ready(int revents, long now) {
        try {
            if ((revents & PollFd.POLLNVAL) != 0) {
                finish();
                return;
            }
            switch (state) {
                case READING -> {
                    if ((revents & (PollFd.POLLIN | PollFd.POLLERR | PollFd.POLLHUP)) != 0) {
                        readRequests(now);
                    }
                }
                case WRITING -> {
                    if ((revents & (PollFd.POLLOUT | PollFd.POLLERR | PollFd.POLLHUP)) != 0) {
                        writeMore(now);
                    }
                }
                case LINGERING -> drainLinger();
                case DONE -> {
                }
            }
        } catch (ErrnoException e) {
            // the client went away (ECONNRESET, EPIPE) or the kernel is closing
            finish();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /**
     * A fault in answering ends this connection only, not the loop with every other one on it
     * (a thread per connection had that isolation for free).
     */
    private void failed(RuntimeException e) {
        if (!(e instanceof KernelClosedException)) {
            System.getLogger("jrump.httpd").log(System.Logger.Level.WARNING, "httpd: connection from " + peer + " ended by " + e, e);
        }
        finish();
    }

    /** The deadline passed: the idle connection closes, a slow head gets 408, a stalled client or a lingering close ends. */
    void expire(long now) {
        try {
            switch (state) {
                case READING -> {
                    if (have > start) {
                        reject(Status.REQUEST_TIMEOUT, "request head not complete within " + options.headerTimeout().toMillis() + " ms", now);
                    } else {
                        finish(); // idle between requests: closed without a word, as nginx does
                    }
                }
                case WRITING, LINGERING -> finish();
                case DONE -> {
                }
            }
        } catch (ErrnoException e) {
            finish();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void readRequests(long now) throws ErrnoException {
        if (start > 0) {
            System.arraycopy(in, start, in, 0, have - start);
            have -= start;
            start = 0;
        }
        inBuffer.limit(in.length).position(have);
        int n = net.read(fd, inBuffer);
        if (n <= 0) {
            inputEnded = true;
        } else {
            if (have == 0) {
                deadline = now + options.headerTimeout().toNanos(); // the head's clock starts at its first byte
            }
            have += n;
        }
        process(now);
    }

    /**
     * Answers the complete heads buffered, gathering their responses in {@link #out}, until
     * the input holds no complete head or the output buffer is full; then writes.
     */
    private void process(long now) throws ErrnoException {
        boolean answered = false;
        while (state == State.READING && !closeAfter) {
            int end = RequestHead.headEnd(in, start, have);
            if (end < 0) {
                try {
                    RequestHead.checkPartial(in, start, have, options.limits());
                } catch (HttpError e) {
                    reject(e.status(), e.getMessage(), now);
                    return;
                }
                break;
            }
            answer(end);
            answered = true;
            start = end;
            if (have == start) {
                start = 0;
                have = 0;
            }
            if (!pump(now)) {
                return; // the socket is full: the rest waits for POLLOUT
            }
        }
        if (!flushAll(now)) {
            return;
        }
        if (answered) {
            afterWrite(now);
        } else if (inputEnded) {
            finish(); // the client ended with no request, or half of one
        }
    }

    /** Parses and answers the head in {@code in[start, end)}: the response is set up for {@link #pump}. */
    private void answer(int end) throws ErrnoException {
        Response r = response;
        r.reset();
        String line = null;
        boolean keepAliveHeader = false;
        try {
            RequestHead head = RequestHead.parse(in, start, end, options.limits(), fieldScratch);
            line = options.accessLog() == null ? "" : head.requestLine();
            if (head.header("transfer-encoding") != null) {
                throw new HttpError(Status.NOT_IMPLEMENTED, "request bodies are not taken");
            }
            long body = head.contentLength();
            handler.handle(head, r);
            boolean keep = head.minorVersion() >= 1 ? !head.hasToken("connection", "close") : head.hasToken("connection", "keep-alive");
            r.close |= !keep || body > 0 || server.isClosing(); // an unread body would be taken for the next request
            keepAliveHeader = head.minorVersion() == 0 && keep && !r.close;
        } catch (HttpError e) {
            r.closeFile(handler);
            r.reset();
            r.error(e.status(), e.getMessage());
            r.close = true;
            if (line == null) {
                line = firstLine(start, end);
            }
        }
        start(r, keepAliveHeader);
        log(line, r);
    }

    /** Sets {@code r} going: its head encoded, the counters told, the connection's end decided. */
    private void start(Response r, boolean keepAliveHeader) {
        r.encodeHead(server.dateField(), keepAliveHeader);
        responding = true;
        closeAfter = r.close;
        server.request();
        if (!r.headOnly && !r.status.bodiless()) {
            server.sent(r.contentLength());
        }
    }

    /** A head that cannot be answered (over a bound, too slow): an error response, then a lingering close. */
    private void reject(Status s, String why, long now) throws ErrnoException {
        Response r = response;
        r.reset();
        r.error(s, why);
        r.close = true;
        start(r, false);
        log(firstLine(start, have), r);
        if (pump(now) && flushAll(now)) {
            afterWrite(now);
        }
    }

    /**
     * Moves the current response into {@link #out}, writing whenever the buffer is full; true
     * when all of it is in the buffer (not necessarily sent), false when the socket took no
     * more (the connection now waits for POLLOUT).
     */
    private boolean pump(long now) throws ErrnoException {
        Response r = response;
        while (responding) {
            if (!out.hasRemaining() && !flush(now)) {
                return false;
            }
            if (r.headPos < r.headLen) {
                int k = Math.min(out.remaining(), r.headLen - r.headPos);
                out.put(r.head, r.headPos, k);
                r.headPos += k;
            } else if (r.headOnly || r.status.bodiless()) {
                done(r);
            } else if (r.body != null) {
                int k = Math.min(out.remaining(), r.body.length - r.bodyPos);
                out.put(r.body, r.bodyPos, k);
                r.bodyPos += k;
                if (r.bodyPos == r.body.length) {
                    done(r);
                }
            } else if (r.fileFd >= 0 && r.fileLength > 0) {
                int room = (int) Math.min(out.remaining(), r.fileLength);
                int n = handler.pread(r.fileFd, out.slice(out.position(), room), r.fileOffset);
                if (n <= 0) {
                    // the file shrank after Content-Length was sent: the only honest end is closing
                    done(r);
                    closeAfter = true;
                    flushAll(now);
                    throw new ErrnoException(Errno.EIO, "file shorter than its Content-Length");
                }
                out.position(out.position() + n);
                r.fileOffset += n;
                r.fileLength -= n;
            } else {
                done(r);
            }
        }
        return true;
    }

    private void done(Response r) {
        r.closeFile(handler);
        responding = false;
    }

    /**
     * One write of the buffered bytes; true when the buffer has room again (it was emptied),
     * false when the socket took only part (or none): the connection waits for POLLOUT.
     */
    private boolean flush(long now) throws ErrnoException {
        out.flip();
        int n;
        try {
            n = out.hasRemaining() ? net.write(fd, out) : 0;
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EAGAIN) {
                throw e;
            }
            n = 0;
        }
        boolean emptied = !out.hasRemaining();
        out.compact();
        if (n > 0 || state != State.WRITING) {
            deadline = now + options.sendTimeout().toNanos(); // progress restarts the send timeout
        }
        if (emptied) {
            return true;
        }
        state = State.WRITING;
        return false;
    }

    /** Writes everything buffered; false when the socket is full. */
    private boolean flushAll(long now) throws ErrnoException {
        return out.position() == 0 || flush(now);
    }

    /** POLLOUT: the rest of the buffer, the rest of the response, then what the input holds. */
    private void writeMore(long now) throws ErrnoException {
        if (!flush(now) || !pump(now) || !flushAll(now)) {
            return;
        }
        afterWrite(now);
        if (state == State.READING) {
            process(now);
        }
    }

    /** All that was answered is written: read the next request, or end the connection. */
    private void afterWrite(long now) throws ErrnoException {
        state = State.READING;
        if (closeAfter) {
            lingeringClose(now);
        } else if (inputEnded && RequestHead.headEnd(in, start, have) < 0) {
            finish();
        } else if (have == start) {
            deadline = now + options.idleTimeout().toNanos();
        } else {
            deadline = now + options.headerTimeout().toNanos(); // a pipelined head begun already
        }
    }

    /**
     * Closes the way HTTP servers must when the client may still be sending (RFC 9112 9.6, nginx's
     * lingering close): a close with unread bytes makes TCP send a reset, which can destroy the
     * response the client has not read yet (the 431 to a client still sending a huge head). So
     * the sending half is shut first, and what still arrives is read and dropped until the client
     * closes, at most {@value #LINGER_BYTES} bytes for at most two seconds.
     */
    private void lingeringClose(long now) throws ErrnoException {
        net.shutdown(fd, SHUT_WR);
        state = State.LINGERING;
        deadline = now + LINGER_NANOS;
        if (inputEnded) {
            finish();
        }
    }

    private void drainLinger() throws ErrnoException {
        inBuffer.clear();
        int n = net.read(fd, inBuffer);
        if (n <= 0) {
            finish();
            return;
        }
        lingered += n;
        if (lingered >= LINGER_BYTES) {
            finish();
        }
    }

    /** The request line as far as it came, for the log of a request that could not be parsed. */
    private String firstLine(int from, int to) {
        int e = from;
        while (e < to && e - from < 1024 && in[e] != '\n' && in[e] != '\r') {
            e++;
        }
        return new String(in, from, e - from, StandardCharsets.ISO_8859_1);
    }

    private void log(String line, Response r) {
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

    /** Ends the connection: its socket and any file it was sending are closed. Idempotent. */
    void finish() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        response.closeFile(handler);
        try {
            net.close(fd);
        } catch (ErrnoException | KernelClosedException e) {
            // nothing left to do for this connection
        }
    }
}
