package io.jrump.netinet.tcp;

import io.jrump.netinet.Counters;
import io.jrump.netinet.Counters.Counter;

/** The TCP counters of one stack ("tcp.*", as {@code netstat -s} groups them), looked up once. */
final class TcpStats {
    final Counter inSegs;
    final Counter outSegs;
    final Counter retransSegs;
    final Counter timeouts;
    final Counter fastRetransmits;
    /** Retransmissions in SACK recovery found lost by a later SACK and sent again ({@link RetransmitMarks}). */
    final Counter lostRetransmits;
    /** Tail loss probes sent (RFC 8985 section 7). */
    final Counter lossProbes;
    final Counter outResets;
    final Counter inResets;
    final Counter activeOpens;
    final Counter passiveOpens;
    final Counter attemptFails;
    final Counter estabResets;
    final Counter badChecksum;
    final Counter truncated;
    final Counter badDataOffset;
    final Counter badOptions;
    final Counter noPort;
    final Counter challengeAcks;
    final Counter pawsDrops;
    final Counter outOfWindow;
    /**
     * ACKs not sent in answer to an invalid segment because the connection answered one less
     * than {@code tcp.invalid_ratelimit} ago (Linux's TCPACKSkippedSeq, ...PAWS, ...Challenge).
     */
    final Counter acksSkipped;
    final Counter synCookiesSent;
    final Counter synCookiesOk;
    final Counter synCookiesFailed;
    final Counter listenOverflows;
    final Counter synQueueDrops;
    final Counter outErrors;
    final Counter keepaliveProbes;
    final Counter windowProbes;
    final Counter delayedAcks;
    final Counter oooDrops;
    /** In-order segments the receive buffer kept by reference instead of copying ({@link ReceiveBuffer}). */
    final Counter heldSegs;

    TcpStats(Counters c) {
        inSegs = c.counter("tcp.in.segs");
        outSegs = c.counter("tcp.out.segs");
        retransSegs = c.counter("tcp.retransmits");
        timeouts = c.counter("tcp.timeouts");
        fastRetransmits = c.counter("tcp.fast_retransmits");
        lostRetransmits = c.counter("tcp.lost_retransmits");
        lossProbes = c.counter("tcp.loss_probes");
        outResets = c.counter("tcp.out.resets");
        inResets = c.counter("tcp.in.resets");
        activeOpens = c.counter("tcp.active_opens");
        passiveOpens = c.counter("tcp.passive_opens");
        attemptFails = c.counter("tcp.attempt_fails");
        estabResets = c.counter("tcp.estab_resets");
        badChecksum = c.counter("tcp.drops.bad_checksum");
        truncated = c.counter("tcp.drops.truncated");
        badDataOffset = c.counter("tcp.drops.bad_data_offset");
        badOptions = c.counter("tcp.drops.bad_options");
        noPort = c.counter("tcp.drops.no_port");
        challengeAcks = c.counter("tcp.challenge_acks");
        pawsDrops = c.counter("tcp.drops.paws");
        outOfWindow = c.counter("tcp.drops.out_of_window");
        acksSkipped = c.counter("tcp.acks_skipped");
        synCookiesSent = c.counter("tcp.syncookies.sent");
        synCookiesOk = c.counter("tcp.syncookies.ok");
        synCookiesFailed = c.counter("tcp.syncookies.failed");
        listenOverflows = c.counter("tcp.listen_overflows");
        synQueueDrops = c.counter("tcp.drops.syn_queue");
        outErrors = c.counter("tcp.out.errors");
        keepaliveProbes = c.counter("tcp.keepalive_probes");
        windowProbes = c.counter("tcp.window_probes");
        delayedAcks = c.counter("tcp.delayed_acks");
        oooDrops = c.counter("tcp.drops.reassembly_full");
        heldSegs = c.counter("tcp.in.held_segs");
    }
}
