package io.jrump.netinet.tcp;

/**
 * A connection's identity: local address and port, remote address and port (host order).
 * Looked up for every arriving segment, so equality and hash are written out rather than left
 * to the record's generated methods, and {@link #is} compares against the fields of a segment
 * without making a tuple.
 */
record Tuple(int laddr, int lport, int raddr, int rport) {
    /** Whether this is the tuple ({@code laddr}, {@code lport}, {@code raddr}, {@code rport}). */
    boolean is(int laddr, int lport, int raddr, int rport) {
        return this.laddr == laddr && this.raddr == raddr && this.lport == lport && this.rport == rport;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tuple t && is(t.laddr, t.lport, t.raddr, t.rport);
    }

    @Override
    public int hashCode() {
        int h = laddr * 31 + raddr;
        h = h * 31 + ((lport << 16) | rport);
        return h ^ (h >>> 16);
    }
}
