package io.jrump.kern.platform;

import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;

/** A provider that only a test's own service file names, to see discovery through a given loader. */
public final class ExtraProvider implements PlatformProvider {
    public ExtraProvider() {
    }

    @Override
    public String name() {
        return "extra";
    }

    @Override
    public Probe probe() {
        return Probe.supported(7, "test");
    }

    @Override
    public Platform open(PlatformConfig config) throws ErrnoException {
        throw new UnsupportedOperationException("discovery only");
    }
}
