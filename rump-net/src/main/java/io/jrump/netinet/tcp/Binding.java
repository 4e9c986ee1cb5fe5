package io.jrump.netinet.tcp;

/**
 * One claim on a local port: a bound or listening socket, or a connection (which keeps the
 * claim after its socket is closed, through FIN_WAIT and TIME_WAIT). {@link Ports} checks new
 * claims against these for EADDRINUSE, honouring SO_REUSEADDR.
 */
final class Binding {
    final int addr;
    final int port;
    volatile boolean reuseAddr;
    volatile boolean listening;
    /** The connection holding this claim, once there is one. */
    volatile TcpConnection conn;

    Binding(int addr, int port, boolean reuseAddr) {
        this.addr = addr;
        this.port = port;
        this.reuseAddr = reuseAddr;
    }

    boolean inTimeWait() {
        TcpConnection c = conn;
        return c != null && c.state() == TcpState.TIME_WAIT;
    }

    /** Whether {@code other} may not share the port with this claim (BSD/Linux rules, simplified). */
    boolean conflictsWith(Binding other) {
        if (addr != 0 && other.addr != 0 && addr != other.addr) {
            return false;
        }
        if (other.reuseAddr && inTimeWait()) {
            return false;
        }
        return !(other.reuseAddr && reuseAddr && !listening && !other.listening);
    }
}
