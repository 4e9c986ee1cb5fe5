package io.jrump.bench;

import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import java.util.function.DoubleFunction;

/**
 * One line of the comparison table: jrump's figures over the rounds, the peer's (if it has
 * one) and the target.
 *
 * @param peer the peer's figures, or {@code null} when the figure has no peer
 * @param peerName what the peer is, or why there is none
 */
public record Row(String name, DoubleFunction<String> unit, Samples rump, String peerName, Samples peer, Target target) {

    public static final String HEADER = "| benchmark | jrump median (min–max) | peer median (min–max) | ratio | target | met? |\n"
            + "|---|---|---|---|---|---|";

    public String markdown() {
        String peerCell = peer == null ? peerName : peerName + ": " + figures(peer);
        String ratio = peer == null || peer.median() == 0 ? "—" : Units.digits(rump.median() / peer.median());
        return "| " + name + " | " + figures(rump) + " | " + peerCell + " | " + ratio + " | " + target.text() + " | "
                + verdict() + " |";
    }

    /** "yes", "**no**", or "—" for a reported figure or when the target needs a peer that did not run. */
    private String verdict() {
        if (target.isReport() || (peer == null && target.relative())) {
            return "—";
        }
        return target.met(rump, peer) ? "yes" : "**no**";
    }

    private String figures(Samples s) {
        return unit.apply(s.median()) + " (" + unit.apply(s.min()) + "–" + unit.apply(s.max()) + ")";
    }
}
