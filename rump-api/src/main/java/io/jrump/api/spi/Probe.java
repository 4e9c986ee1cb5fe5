package io.jrump.api.spi;

/**
 * What a {@link PlatformProvider} says about this machine.
 *
 * @param supported whether the platform can run here
 * @param priority higher wins when no platform is asked for; the host platform has the lowest
 * @param reason why not, when not supported (or a short description when it is)
 */
public record Probe(boolean supported, int priority, String reason) {
    public static Probe supported(int priority, String description) {
        return new Probe(true, priority, description);
    }

    public static Probe unsupported(String reason) {
        return new Probe(false, Integer.MIN_VALUE, reason);
    }
}
