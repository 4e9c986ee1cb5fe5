package io.jrump.kern.platform;

import io.jrump.api.spi.PlatformProvider;

/** Chooses the platform a kernel runs on. */
public final class PlatformSelector {
    private PlatformSelector() {
    }

    /**
     * Selection order: {@code requested} (the builder's argument), then the system property
     * {@code jrump.platform}, then the environment variable {@code JRUMP_PLATFORM}, then the
     * supported provider of highest priority.
     *
     * @throws io.jrump.api.BootException naming every provider found and why each was rejected
     */
    public static PlatformProvider select(String requested, ClassLoader loader) {
        throw new UnsupportedOperationException("not yet");
    }
}
