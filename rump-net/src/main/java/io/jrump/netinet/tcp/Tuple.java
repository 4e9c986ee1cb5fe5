package io.jrump.netinet.tcp;

/** A connection's identity: local address and port, remote address and port (host order). */
record Tuple(int laddr, int lport, int raddr, int rport) {
}
