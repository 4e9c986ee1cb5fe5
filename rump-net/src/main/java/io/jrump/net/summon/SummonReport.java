package io.jrump.net.summon;

import io.jrump.api.KernelAccounting;

/**
 * What happened to a summoned service: a kernel booted for it, shut down, or failed to boot.
 *
 * @param service the service's name
 * @param event what happened
 * @param kernel the kernel's name ("rump-17")
 * @param summonNanos for BOOTED, from the summoning frame's arrival to the first replayed
 *        frame delivered (boot, interface, service start)
 * @param accounting for SHUTDOWN, what the kernel cost; for the others, ZERO
 * @param detail for BOOTED, where the time went, in milliseconds per phase (waiting for a boot thread, boot,
 *        interface, service start, replay of the queue), or empty; for SHUTDOWN, why ("idle 2s" or "closed");
 *        for FAILED, the error
 */
public record SummonReport(String service, Event event, String kernel, long summonNanos, KernelAccounting accounting, String detail) {
    public enum Event {
        BOOTED,
        SHUTDOWN,
        FAILED
    }

    @Override
    public String toString() {
        return switch (event) {
            case BOOTED -> service + ": summoned " + kernel + " in " + String.format(java.util.Locale.ROOT, "%.3f", summonNanos / 1e6) + " ms"
                    + (detail.isEmpty() ? "" : " (" + detail + ")");
            case SHUTDOWN -> service + ": " + kernel + " shut down (" + detail + "): " + accounting;
            case FAILED -> service + ": summoning failed: " + detail;
        };
    }
}
