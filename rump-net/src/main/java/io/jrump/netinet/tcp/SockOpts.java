package io.jrump.netinet.tcp;

/**
 * The settable options of one TCP socket (SOL_SOCKET and IPPROTO_TCP levels). A listener's
 * options are copied into each connection it accepts, as BSD and Linux do. Fields are
 * volatile because the connection reads them on input and timer threads while the owner's
 * thread may change them.
 */
final class SockOpts {
    volatile boolean reuseAddr;
    volatile boolean keepAlive;
    volatile boolean noDelay;
    volatile int sndBuf;
    volatile int rcvBuf;
    /** Seconds, or -1 for SO_LINGER off. */
    volatile int lingerSecs = -1;
    volatile long rcvTimeoNanos;
    volatile long sndTimeoNanos;
    volatile long keepIdleNanos;
    volatile long keepIntvlNanos;
    volatile int keepCnt;
    /** TCP_MAXSEG: 0 for the path's MSS. */
    volatile int maxSeg;

    SockOpts(TcpConfig c) {
        sndBuf = c.sendBuffer();
        rcvBuf = c.receiveBuffer();
        keepIdleNanos = c.keepIdleNanos();
        keepIntvlNanos = c.keepIntervalNanos();
        keepCnt = c.keepCount();
    }

    private SockOpts(SockOpts o) {
        reuseAddr = o.reuseAddr;
        keepAlive = o.keepAlive;
        noDelay = o.noDelay;
        sndBuf = o.sndBuf;
        rcvBuf = o.rcvBuf;
        lingerSecs = o.lingerSecs;
        rcvTimeoNanos = o.rcvTimeoNanos;
        sndTimeoNanos = o.sndTimeoNanos;
        keepIdleNanos = o.keepIdleNanos;
        keepIntvlNanos = o.keepIntvlNanos;
        keepCnt = o.keepCnt;
        maxSeg = o.maxSeg;
    }

    SockOpts copy() {
        return new SockOpts(this);
    }
}
