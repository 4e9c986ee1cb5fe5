package io.jrump.netinet.tcp;

import io.jrump.api.Errno;

/**
 * The changes of a connection's life that its parts ({@link TcpInput}, {@link TcpSender})
 * cause but the connection itself carries out, because they reach beyond the control block:
 * the listener, the transport's table, the timers and the callers blocked on the socket.
 */
interface Lifecycle {
    /** The handshake completed (RFC 9293 3.10.7.3/4): ESTABLISHED, or back to SYN_RECEIVED when the accept queue is full. */
    void established();

    /** Enters CLOSED; {@code err} (or null) is what the socket reports next. */
    void closeDown(Errno err);

    /** Enters TIME_WAIT for 2 MSL (RFC 9293 3.10.7.4). */
    void enterTimeWait();

    /** Blocked callers and poll look again once the lock is released. */
    void wake();
}
