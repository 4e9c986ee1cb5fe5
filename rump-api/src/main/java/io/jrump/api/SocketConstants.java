package io.jrump.api;

/**
 * Constants of the socket calls, with Linux values (bits/socket.h, asm-generic/socket.h,
 * netinet/in.h, netinet/tcp.h), so numbers match what a Linux peer or tcpdump shows.
 */
public final class SocketConstants {
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    /** Or-ed into the type of {@code socket}: the descriptor starts non-blocking. */
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;

    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;

    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_BROADCAST = 6;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    /** Value for {@code setsockopt}: seconds to linger, or -1 for off. */
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    /** Value: milliseconds, 0 for none. */
    public static final int SO_RCVTIMEO = 20;
    /** Value: milliseconds, 0 for none. */
    public static final int SO_SNDTIMEO = 21;

    public static final int TCP_NODELAY = 1;
    public static final int TCP_MAXSEG = 2;
    public static final int TCP_KEEPIDLE = 4;
    public static final int TCP_KEEPINTVL = 5;
    public static final int TCP_KEEPCNT = 6;

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_NOSIGNAL = 0x4000;

    private SocketConstants() {
    }
}
