package io.jrump.kern.platform;

import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;

/**
 * A platform provider found by the selector, with its probe asked at most once.
 *
 * <p>The probe is remembered here, on the candidate, rather than in a static cache: a cache
 * shared by the whole JVM would be state shared between unrelated kernels (and class loaders).
 * One selection makes one candidate per provider, so each provider is probed once per
 * selection, and only if the selection needs to know. A probe that throws, or a provider that
 * could not even be loaded, becomes an unsupported candidate whose reason says so, so that
 * one broken jar on the class path cannot keep the other platforms from being chosen.
 */
final class ProviderCandidate {
    private final String name;
    private final PlatformProvider provider;
    private Probe probe;

    private ProviderCandidate(String name, PlatformProvider provider, Probe probe) {
        this.name = name;
        this.provider = provider;
        this.probe = probe;
    }

    static ProviderCandidate of(PlatformProvider provider) {
        String name;
        try {
            name = provider.name();
        } catch (RuntimeException | LinkageError e) {
            return broken(provider.getClass().getName(), "name() failed: " + e);
        }
        if (name == null || name.isBlank()) {
            return broken(provider.getClass().getName(), "it has no name");
        }
        return new ProviderCandidate(name, provider, null);
    }

    /** A provider that cannot be used at all; {@code label} stands in for its name in messages. */
    static ProviderCandidate broken(String label, String reason) {
        return new ProviderCandidate(label, null, Probe.unsupported(reason));
    }

    String name() {
        return name;
    }

    PlatformProvider provider() {
        return provider;
    }

    /** The provider's probe, asked on first call and remembered. */
    synchronized Probe probe() {
        if (probe == null) {
            Probe p;
            try {
                p = provider.probe();
                if (p == null) {
                    p = Probe.unsupported("its probe answered null");
                }
            } catch (RuntimeException | LinkageError e) {
                // A missing native library shows up as a LinkageError: that is "unsupported here".
                p = Probe.unsupported("probe failed: " + e);
            }
            probe = p;
        }
        return probe;
    }

    boolean isSupported() {
        return provider != null && probe().supported();
    }

    /** "host (supported, priority 0)" or "arm (unsupported: no /dev/vhost-net)", for messages. */
    String describe() {
        Probe p = probe();
        return p.supported()
                ? name + " (supported, priority " + p.priority() + ")"
                : name + " (unsupported: " + p.reason() + ")";
    }
}
