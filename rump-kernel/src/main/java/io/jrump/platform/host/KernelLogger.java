package io.jrump.platform.host;

import java.util.ResourceBundle;

/**
 * A kernel's logger ({@code jrump.<kernel>}) that finds the JDK's logger of that name only when
 * something is logged. Finding it registers a new name with the logging back end, which costs
 * more than the rest of a kernel's first timer or an ext2 mount together, and those sit on the
 * path of a summoned kernel's first packet; most kernels never log anything.
 */
final class KernelLogger implements System.Logger {
    private final String name;
    private volatile System.Logger delegate;

    KernelLogger(String name) {
        this.name = name;
    }

    private System.Logger delegate() {
        System.Logger d = delegate;
        if (d == null) {
            d = System.getLogger(name);
            delegate = d; // racing threads get equal loggers; no lock needed
        }
        return d;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return delegate().isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        delegate().log(level, bundle, msg, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        delegate().log(level, bundle, format, params);
    }
}
