package io.jrump.netinet.tcp;

/** Connection states of RFC 9293 section 3.3.2 (LISTEN is a {@link Listener}, not a state of a connection). */
enum TcpState {
    CLOSED, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT;

    /** States after the handshake, where both sequence spaces are known. */
    boolean synchronized_() {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    /** States in which arriving data is accepted (RFC 9293 3.10.7.4, seventh step). */
    boolean receivesData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** States in which the user may still queue data to send. */
    boolean sendsData() {
        return this == ESTABLISHED || this == CLOSE_WAIT;
    }
}
