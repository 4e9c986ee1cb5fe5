package io.jrump.api;

import io.jrump.api.spi.KernelFactory;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.WeakHashMap;

/**
 * The {@link KernelFactory} that {@link ServiceLoader} finds, looked up once per class loader
 * rather than once per {@link RumpBuilder}: a fresh {@code Rump.builder().boot()} is what most
 * programs write, and walking the class path for the service again costs far more than the
 * boot itself.
 *
 * <p>Design note: where the factory comes from decides how it may be kept without keeping a
 * class loader alive that would otherwise be unloaded (a redeployed web application, say).
 * Found through this class's own loader (the usual case), it is kept in a static field: the
 * field lives exactly as long as that loader, and the factory's class was loaded by that
 * loader or a parent of it, so nothing else is pinned. Found only through a thread's context
 * loader (the API in a parent loader, the kernel in a child), it is kept in a map whose keys
 * (the loaders) and values (the factories, whose classes refer to those loaders) are both
 * weak: the entry disappears when the loader goes, and at worst a collected factory is
 * looked up again. Races are harmless: two threads may both look up, and either result is
 * the same service.
 */
final class KernelFactories {
    /** Found through this class's own loader; null before the first lookup or when it has none. */
    private static volatile KernelFactory own;
    /** Whether this class's own loader was searched and has no factory. */
    private static volatile boolean ownHasNone;
    private static final Map<ClassLoader, WeakReference<KernelFactory>> BY_CONTEXT = new WeakHashMap<>();

    private KernelFactories() {
    }

    /** The factory visible from this class's loader, else from the calling thread's context loader; null when neither has one. */
    static KernelFactory find() {
        KernelFactory f = own;
        if (f != null) {
            return f;
        }
        if (!ownHasNone) {
            f = first(ServiceLoader.load(KernelFactory.class, KernelFactories.class.getClassLoader()));
            if (f != null) {
                own = f;
                return f;
            }
            ownHasNone = true;
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context == null) {
            return first(ServiceLoader.load(KernelFactory.class));
        }
        synchronized (BY_CONTEXT) {
            WeakReference<KernelFactory> ref = BY_CONTEXT.get(context);
            f = ref == null ? null : ref.get();
        }
        if (f == null) {
            f = first(ServiceLoader.load(KernelFactory.class, context));
            if (f != null) {
                synchronized (BY_CONTEXT) {
                    BY_CONTEXT.put(context, new WeakReference<>(f));
                }
            }
        }
        return f;
    }

    private static KernelFactory first(ServiceLoader<KernelFactory> loader) {
        Iterator<KernelFactory> it = loader.iterator();
        return it.hasNext() ? it.next() : null;
    }
}
