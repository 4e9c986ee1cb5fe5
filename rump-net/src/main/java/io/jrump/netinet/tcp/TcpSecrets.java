package io.jrump.netinet.tcp;

import io.jrump.net.link.NetClock;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Keyed hashes of a connection's addresses and ports with a per-stack secret drawn from
 * {@link NetClock#entropy}: initial sequence numbers per RFC 6528 ({@code ISN = M + F(...)},
 * M a 4-microsecond clock, F a keyed SHA-256) and SYN cookies (the ISN a listener answers
 * with when its SYN queue is full, carrying a time slot and an MSS index so the final ACK
 * can be validated without stored state).
 */
final class TcpSecrets {
    /** RFC 6528 section 3: M is a timer that ticks every 4 microseconds. */
    private static final long ISN_TICK_NANOS = 4_000;
    /** SYN cookie time slot: 64 seconds, so a cookie stays valid for one to two slots. */
    static final long COOKIE_SLOT_NANOS = 64_000_000_000L;
    /** MSS values a cookie can carry in 3 bits (common path MTUs minus 40). */
    static final int[] COOKIE_MSS = {536, 1200, 1360, 1400, 1440, 1452, 1460, 8960};

    private final NetClock clock;
    /**
     * Drawn on first use, not at construction: the stack's clock turns virtual only when an
     * interface joins a simulated bus, after the transport was made, and a key drawn before
     * that would come from the host's entropy and make seeded runs differ.
     */
    private byte[] secret;

    TcpSecrets(NetClock clock) {
        this.clock = clock;
    }

    private synchronized byte[] secret() {
        if (secret == null) {
            byte[] s = new byte[32];
            clock.entropy(s);
            secret = s;
        }
        return secret;
    }

    /** RFC 6528: the initial sequence number for a connection with this 4-tuple. */
    int isn(int laddr, int lport, int raddr, int rport) {
        return (int) (clock.nanos() / ISN_TICK_NANOS) + hash(0, laddr, lport, raddr, rport, 0);
    }

    /** RFC 7323 7.1: a connection's timestamp clock offset, the same for every incarnation of the 4-tuple. */
    int tsOffset(int laddr, int lport, int raddr, int rport) {
        return hash(64, laddr, lport, raddr, rport, 0); // a domain apart from the ISN (0) and the cookies (1..32)
    }

    /** Random bits. */
    int random() {
        byte[] b = new byte[4];
        clock.entropy(b);
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /**
     * A SYN cookie: 5 bits of time slot, 3 bits of MSS index and 24 bits of keyed hash over
     * the 4-tuple, the slot and the client's ISN (so a replay of another SYN does not fit).
     */
    int cookie(int laddr, int lport, int raddr, int rport, int clientIsn, int mss) {
        int slot = (int) (clock.nanos() / COOKIE_SLOT_NANOS);
        int idx = 0;
        for (int i = COOKIE_MSS.length - 1; i >= 0; i--) {
            if (COOKIE_MSS[i] <= mss) {
                idx = i;
                break;
            }
        }
        return cookieFor(slot, idx, laddr, lport, raddr, rport, clientIsn);
    }

    private int cookieFor(int slot, int idx, int laddr, int lport, int raddr, int rport, int clientIsn) {
        int h = hash(1 + (slot & 31), laddr, lport, raddr, rport, clientIsn) & 0xffffff;
        return ((slot & 31) << 27) | (idx << 24) | h;
    }

    /**
     * Checks a cookie echoed back as {@code ack - 1} by the final ACK of a handshake
     * ({@code clientIsn} is that ACK's {@code seq - 1}).
     *
     * @return the MSS the cookie carries, or -1 when it is not one of ours from the current
     *     or the previous slot
     */
    int checkCookie(int cookie, int laddr, int lport, int raddr, int rport, int clientIsn) {
        int now = (int) (clock.nanos() / COOKIE_SLOT_NANOS);
        int idx = (cookie >>> 24) & 7;
        for (int age = 0; age <= 1; age++) {
            int slot = now - age;
            if (slot >= 0 && cookieFor(slot, idx, laddr, lport, raddr, rport, clientIsn) == cookie) {
                return COOKIE_MSS[idx];
            }
        }
        return -1;
    }

    private int hash(int domain, int laddr, int lport, int raddr, int rport, int extra) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
        md.update(secret());
        byte[] in = new byte[20];
        putInt(in, 0, domain);
        putInt(in, 4, laddr);
        putInt(in, 8, (lport << 16) | (rport & 0xffff));
        putInt(in, 12, raddr);
        putInt(in, 16, extra);
        byte[] d = md.digest(in);
        return ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
