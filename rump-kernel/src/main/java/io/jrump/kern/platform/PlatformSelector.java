package io.jrump.kern.platform;

import io.jrump.api.BootException;
import io.jrump.api.spi.PlatformProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.StringJoiner;

/**
 * Chooses the platform a kernel runs on.
 *
 * <p>Providers are found with {@link ServiceLoader}, which reads both {@code META-INF/services}
 * on the class path and {@code provides} clauses of named modules (this module {@code uses}
 * the service). A name the user gives is binding: when that platform is unknown or cannot run
 * here, booting fails with one message listing every provider found and why each was
 * rejected, because quietly running a "xen" kernel on the host would hide the mistake until
 * much later. Only when no name is given does the supported provider of highest priority win.
 *
 * <p>What {@link ServiceLoader} finds through this class's own loader is found once and kept
 * (with each provider's probe, which is remembered anyway: see {@link ProviderCandidate}), so
 * that a fresh {@code Rump.builder()} links in microseconds instead of walking the class path
 * again. The names (builder, property, environment) are read at every selection. A static of
 * this class lives exactly as long as its class loader, and the providers it keeps were loaded
 * by that loader or its parents, so the cache keeps no other loader alive; providers seen
 * through any other loader are looked up each time.
 */
public final class PlatformSelector {
    /** The system property that names a platform when the builder does not. */
    static final String PROPERTY = "jrump.platform";
    /** The environment variable that names a platform when neither the builder nor the property does. */
    static final String ENV = "JRUMP_PLATFORM";
    /** Stops the walk over a service file so broken that every entry fails; no real class path has this many providers. */
    private static final int MAX_LOAD_ERRORS = 64;

    /** The providers found through this class's own loader, once looked up; null before. */
    private static volatile List<ProviderCandidate> ownProviders;

    private PlatformSelector() {
    }

    /**
     * Selection order: {@code requested} (the builder's argument), then the system property
     * {@code jrump.platform}, then the environment variable {@code JRUMP_PLATFORM}, then the
     * supported provider of highest priority. Blank names count as not given.
     *
     * @param loader where to look for providers besides this module's own loader; null for just that
     * @throws io.jrump.api.BootException naming every provider found and why each was rejected
     */
    public static PlatformProvider select(String requested, ClassLoader loader) {
        return choose(requested, System.getProperty(PROPERTY), System.getenv(ENV), candidates(loader));
    }

    /** What {@link #discover} finds, kept for this class's own loader (a race only looks up twice). */
    private static List<ProviderCandidate> candidates(ClassLoader loader) {
        ClassLoader own = PlatformSelector.class.getClassLoader();
        if (loader != null && loader != own) {
            return discover(loader);
        }
        List<ProviderCandidate> found = ownProviders;
        if (found == null) {
            found = List.copyOf(discover(own));
            ownProviders = found;
        }
        return found;
    }

    /**
     * The selection itself, apart from where names and providers come from, so tests can drive
     * it without touching the JVM's properties or environment.
     */
    static PlatformProvider choose(String requested, String property, String env, List<ProviderCandidate> candidates) {
        String name;
        String source;
        if (isGiven(requested)) {
            name = requested.trim();
            source = "";
        } else if (isGiven(property)) {
            name = property.trim();
            source = " (from system property " + PROPERTY + ")";
        } else if (isGiven(env)) {
            name = env.trim();
            source = " (from environment variable " + ENV + ")";
        } else {
            return best(candidates);
        }
        for (ProviderCandidate c : candidates) {
            if (c.name().equals(name) && c.isSupported()) {
                return c.provider();
            }
        }
        throw new BootException("platform '" + name + "'" + source + " is not available; providers found: " + list(candidates));
    }

    /** The supported candidate of highest priority; among equals, the one found first. */
    private static PlatformProvider best(List<ProviderCandidate> candidates) {
        ProviderCandidate best = null;
        for (ProviderCandidate c : candidates) {
            if (c.isSupported() && (best == null || c.probe().priority() > best.probe().priority())) {
                best = c;
            }
        }
        if (best == null) {
            throw new BootException("no platform is available; providers found: " + list(candidates));
        }
        return best.provider();
    }

    /**
     * Every provider visible from {@code loader} and from this class's own loader (so the host
     * platform is found even through a loader that does not delegate to ours), each once.
     */
    static List<ProviderCandidate> discover(ClassLoader loader) {
        List<ProviderCandidate> found = new ArrayList<>();
        List<Object> seen = new ArrayList<>(); // provider classes, and messages of load errors
        ClassLoader own = PlatformSelector.class.getClassLoader();
        if (loader != null && loader != own) {
            load(ServiceLoader.load(PlatformProvider.class, loader), found, seen);
        }
        load(ServiceLoader.load(PlatformProvider.class, own), found, seen);
        return found;
    }

    private static void load(ServiceLoader<PlatformProvider> services, List<ProviderCandidate> found, List<Object> seen) {
        Iterator<PlatformProvider> it = services.iterator();
        int errors = 0;
        while (errors < MAX_LOAD_ERRORS) {
            PlatformProvider provider;
            try {
                if (!it.hasNext()) {
                    return;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                errors++;
                // Both loaders may read the same broken entry; report it once.
                if (!seen.contains(e.getMessage())) {
                    seen.add(e.getMessage());
                    found.add(ProviderCandidate.broken("(unloadable provider)", e.getMessage()));
                }
                continue;
            }
            if (!seen.contains(provider.getClass())) {
                seen.add(provider.getClass());
                found.add(ProviderCandidate.of(provider));
            }
        }
    }

    private static boolean isGiven(String name) {
        return name != null && !name.isBlank();
    }

    private static String list(List<ProviderCandidate> candidates) {
        if (candidates.isEmpty()) {
            return "none";
        }
        StringJoiner j = new StringJoiner(", ");
        for (ProviderCandidate c : candidates) {
            j.add(c.describe());
        }
        return j.toString();
    }
}
