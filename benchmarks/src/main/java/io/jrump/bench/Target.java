package io.jrump.bench;

import io.jrump.cli.measure.Samples;
import java.util.function.BiPredicate;

/** What a figure should be, said in words for the table and checked on the medians. */
record Target(String text, BiPredicate<Samples, Samples> check) {

    /** jrump's median at most {@code limit}. */
    static Target atMost(double limit, String text) {
        return new Target(text, (rump, peer) -> rump.median() <= limit);
    }

    /** jrump's median at most {@code limit} and below the peer's. */
    static Target atMostAndFaster(double limit, String text) {
        return new Target(text, (rump, peer) -> rump.median() <= limit && peer != null && rump.median() < peer.median());
    }

    /** jrump's median no higher than the peer's. */
    static Target notSlower() {
        return new Target("≤ peer", (rump, peer) -> peer != null && rump.median() <= peer.median());
    }

    /** jrump's median no lower than the peer's: for rates, where higher is better. */
    static Target atLeastPeer() {
        return new Target("≥ 1.0x peer", (rump, peer) -> peer != null && rump.median() >= peer.median());
    }

    /** A figure reported without a target; its "met?" cell is a dash. */
    static Target report() {
        return new Target("report", null);
    }

    boolean isReport() {
        return check == null;
    }

    boolean met(Samples rump, Samples peer) {
        return check.test(rump, peer);
    }
}
