package io.jrump.bench;

import io.jrump.measure.Samples;
import java.util.function.BiPredicate;

/**
 * What a figure should be, said in words for the table and checked on the medians.
 *
 * @param relative whether the target compares with the peer, so that a row whose peer could
 *     not run has no verdict rather than a miss
 */
public record Target(String text, boolean relative, BiPredicate<Samples, Samples> check) {

    /** jrump's median at most {@code limit}. */
    public static Target atMost(double limit, String text) {
        return new Target(text, false, (rump, peer) -> rump.median() <= limit);
    }

    /** jrump's median at least {@code limit}: for throughputs with an absolute target. */
    static Target atLeast(double limit, String text) {
        return new Target(text, false, (rump, peer) -> rump.median() >= limit);
    }

    /** jrump's median at most {@code limit} and below the peer's. */
    static Target atMostAndFaster(double limit, String text) {
        return new Target(text, true, (rump, peer) -> rump.median() <= limit && peer != null && rump.median() < peer.median());
    }

    /** jrump's median no higher than the peer's. */
    static Target notSlower() {
        return new Target("≤ peer", true, (rump, peer) -> peer != null && rump.median() <= peer.median());
    }

    /** jrump's median at least {@code factor} times the peer's: for throughputs, where higher is better. */
    public static Target atLeastTimesPeer(double factor, String text) {
        return new Target(text, true, (rump, peer) -> peer != null && rump.median() >= factor * peer.median());
    }

    /** jrump's median no lower than the peer's: for rates, where higher is better. */
    static Target atLeastPeer() {
        return new Target("≥ 1.0x peer", true, (rump, peer) -> peer != null && rump.median() >= peer.median());
    }

    /** A figure reported without a target; its "met?" cell is a dash. */
    public static Target report() {
        return new Target("report", false, null);
    }

    boolean isReport() {
        return check == null;
    }

    boolean met(Samples rump, Samples peer) {
        return check.test(rump, peer);
    }
}
