package io.jrump.netinet.tcp;

import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import io.jrump.netinet.IpLayer;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Builds a connection's segments (RFC 9293 3.1) into its outbox: the header from the control
 * block, the options (MSS, window scale, SACK-permitted and timestamps on a SYN; timestamps
 * and SACK blocks after), the window to advertise with receiver SWS avoidance, and the payload
 * from the send buffer, lent in place when it starts a buffer chunk. It decides nothing about
 * what to send; {@link TcpSender} and {@link LossRecovery} do. The outbox is transmitted by the
 * connection once its lock is released.
 */
final class SegmentBuilder {
    /** RFC 9293 3.1: TCP options take at most 40 bytes. */
    private static final int MAX_OPTION_BYTES = 40;
    /** Segments from this size on that cannot go out in place are copied into kept send-buffer memory ({@link SendBuffer#scratch}) rather than a new array. */
    private static final int SCRATCH_MIN = 8 << 10;

    private final Tcb cb;
    private final TcpConfig config;
    private final TcpStats stats;
    private final ConnectionTimer delack;
    private final List<Outgoing> outbox;
    /** Options of the segment being built; reused, as segments are built one at a time under the lock. */
    private final TcpOptions options = new TcpOptions();

    SegmentBuilder(Tcb cb, TcpConfig config, TcpStats stats, ConnectionTimer delack, List<Outgoing> outbox) {
        this.cb = cb;
        this.config = config;
        this.stats = stats;
        this.delack = delack;
        this.outbox = outbox;
    }

    /** A pure ACK of RCV.NXT. */
    void sendAck() {
        emit(cb.sndNxt, TcpSegment.ACK, 0, false);
    }

    /** The delayed-ACK timer expired (RFC 1122 4.2.3.2). */
    void onDelayedAck() {
        if (cb.state.synchronized_() && cb.state != TcpState.TIME_WAIT) {
            stats.delayedAcks.inc();
            sendAck();
        }
    }

    /** RFC 1122 4.2.3.6: a keepalive probe, SEG.SEQ = SND.UNA - 1 and no data. */
    void keepaliveProbe() {
        stats.keepaliveProbes.inc();
        emit(cb.sndUna - 1, TcpSegment.ACK, 0, false);
    }

    /** ABORT (RFC 9293 3.10.5): RST in synchronized states. */
    void reset() {
        emit(cb.sndNxt, TcpSegment.RST | TcpSegment.ACK, 0, false);
        stats.outResets.inc();
    }

    /**
     * After a read: tell the peer the window reopened, when that matters. It matters when the
     * window the peer was offered has shrunk to half the buffer or less and the read at least
     * doubles it (the rule Linux's {@code tcp_cleanup_rbuf} follows), or when it had fallen below
     * a segment and now takes one again. While the peer still has more than half the buffer to
     * fill, it is sending, and the ACKs its data draws (at least every second full-sized
     * segment) carry the larger window anyway: an update per read would add a segment, and on
     * a TAP a host call, for nothing. Receiver SWS avoidance (RFC 9293 3.8.6.2.2) bounds what
     * {@link #advertise} offers either way.
     */
    void windowUpdate(int spaceBefore) {
        if (!cb.state.synchronized_() || cb.finReceived) {
            return;
        }
        int space = cb.receiveSpace();
        int offered = Math.max(0, cb.rcvAdv - cb.rcvNxt);
        int grown = (cb.rcvNxt + space) - cb.rcvAdv;
        boolean reopened = spaceBefore < cb.segBase && space >= cb.segBase;
        boolean doubled = offered <= cb.rcvBuf.capacity() / 2 && space >= 2 * offered
                && grown >= Math.min(cb.rcvBuf.capacity() / 2, cb.segBase);
        if (reopened || doubled) {
            sendAck();
        }
    }

    /** Builds one segment into the outbox. */
    void emit(int seq, int flags, int dataLen, boolean syn) {
        TcpOptions o = options.clear();
        if (syn) {
            o.mss(cb.segBase);
            if (cb.offerWscale) {
                o.wscale(cb.rcvWscale);
            }
            if (cb.state == TcpState.SYN_SENT ? config.sack() : cb.sackOk) {
                o.sackPermitted(true);
            }
            if (cb.state == TcpState.SYN_SENT ? config.timestamps() : cb.tsOk) {
                o.timestamps(cb.tsNow(), cb.state == TcpState.SYN_SENT ? 0 : cb.tsRecent);
            }
        } else {
            if (cb.tsOk) {
                o.timestamps(cb.tsNow(), cb.tsRecent);
            }
            if (cb.sackOk && !cb.ooo.isEmpty() && (flags & TcpSegment.ACK) != 0) {
                addSackBlocks(o, dataLen);
            }
        }
        int hl = TcpSegment.HEADER_LENGTH + o.length();
        int off = seq - cb.sndBufSeq;
        SendBuffer sndBuf = cb.sndBuf;
        // one buffer for the whole frame: IPv4 and Ethernet write their headers in front; a
        // first transmission from the start of a send buffer chunk goes out in the chunk itself
        boolean inPlace = dataLen > 0 && sndBuf.lendable(off) >= dataLen;
        SendBuffer.Scratch scratch = inPlace || dataLen < SCRATCH_MIN ? null : sndBuf.scratch(IpLayer.HEADROOM + hl + dataLen);
        ByteBuffer buf;
        if (inPlace) {
            buf = sndBuf.lend(off, dataLen, hl);
        } else if (scratch != null) {
            buf = scratch.buffer().position(IpLayer.HEADROOM);
        } else {
            buf = ByteBuffer.allocate(IpLayer.HEADROOM + hl + dataLen).position(IpLayer.HEADROOM);
        }
        int base = buf.position();
        TcpSegment s = new TcpSegment(buf);
        s.setSrcPort(cb.tuple.lport()).setDstPort(cb.tuple.rport()).setSeq(seq).setHeaderLength(hl).setFlags(flags);
        if ((flags & TcpSegment.ACK) != 0) {
            s.setAck(cb.rcvNxt);
            cb.lastAckSent = cb.rcvNxt;
            cb.segsSinceAck = 0;
            delack.cancel();
        }
        s.setWindow(advertise(syn));
        o.write(buf, base + TcpSegment.HEADER_LENGTH);
        if (dataLen > 0 && !inPlace) {
            buf.position(base + hl);
            sndBuf.copyOut(off, buf, dataLen);
            buf.position(base);
        }
        // the checksum is left partial: the IP layer fills it unless the device offloads it
        if (scratch != null) {
            outbox.add(new Outgoing(buf, scratch.lease(), cb.smss, true));
        } else {
            outbox.add(new Outgoing(buf, inPlace ? sndBuf.lease(off) : null, cb.smss, false));
        }
        stats.outSegs.inc();
    }

    /** RFC 2018 4: the block holding the latest arrival first, then the others, as many as fit. */
    private void addSackBlocks(TcpOptions o, int dataLen) {
        int ts = cb.tsOk ? Tcb.TS_OPTION_BYTES : 0;
        int room = MAX_OPTION_BYTES - ts - 4;
        int max = Math.min(TcpOptions.MAX_SACK_BLOCKS, room / 8);
        if (dataLen > 0) {
            int spare = cb.segBase - ts - dataLen - 4;
            max = Math.min(max, Math.max(0, spare / 8));
        }
        SeqRanges ooo = cb.ooo;
        int first = ooo.indexOf(cb.lastOooSeq);
        int added = 0;
        if (first >= 0 && max > 0) {
            o.addSack(ooo.start(first), ooo.end(first));
            added++;
        }
        for (int i = 0; i < ooo.count() && added < max; i++) {
            if (i != first) {
                o.addSack(ooo.start(i), ooo.end(i));
                added++;
            }
        }
    }

    /** The window field to send; remembers the right edge so it never moves left (RFC 9293 3.8.6.2.2). */
    private int advertise(boolean syn) {
        int space = cb.receiveSpace();
        if (syn) {
            int w = Math.min(space, 65535);
            cb.rcvAdv = cb.rcvNxt + w;
            return w;
        }
        int rcvWscale = cb.rcvWscale;
        int field = Math.min(space >>> rcvWscale, 65535);
        // receiver SWS avoidance: do not advertise a small increase of the window
        int edge = cb.rcvNxt + (field << rcvWscale);
        if (Seq.gt(edge, cb.rcvAdv) && (edge - cb.rcvAdv) < Math.min(cb.rcvBuf.capacity() / 2, cb.segBase) && Seq.gt(cb.rcvAdv, cb.rcvNxt)) {
            field = (cb.rcvAdv - cb.rcvNxt) >>> rcvWscale;
            edge = cb.rcvNxt + (field << rcvWscale);
        }
        if (Seq.gt(edge, cb.rcvAdv)) {
            cb.rcvAdv = edge;
        }
        return field;
    }
}
