package io.jrump.kern.internal;

import io.jrump.api.BootException;
import io.jrump.api.spi.BootConfig;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.KernelFactory;
import io.jrump.api.spi.KernelImage;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.kern.platform.PlatformSelector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The base kernel's {@link KernelFactory}: selects the platform and resolves the components
 * a configuration asks for, in dependency order, like rump's linker-set scan at init, but
 * once per configuration rather than once per boot.
 */
public final class RumpKernelFactory implements KernelFactory {
    /**
     * The components found through this class's loader, once looked up; null before. Kept for
     * the same reason and with the same lifetime as {@link PlatformSelector}'s providers: every
     * kernel booted from one linked image already shares these instances, so kernels from fresh
     * builders may share them as well.
     */
    private static volatile List<KernelComponent> found;

    @Override
    public KernelImage link(BootConfig config) {
        ClassLoader loader = RumpKernelFactory.class.getClassLoader();
        PlatformProvider provider = PlatformSelector.select(config.platform(), loader);
        return new LinkedKernel(config, provider, resolve(components(loader), config.components()));
    }

    /** The components {@link ServiceLoader} finds through {@code loader}, this class's own (a race only looks up twice). */
    private static List<KernelComponent> components(ClassLoader loader) {
        List<KernelComponent> all = found;
        if (all == null) {
            List<KernelComponent> list = new ArrayList<>();
            ServiceLoader.load(KernelComponent.class, loader).forEach(list::add);
            all = List.copyOf(list);
            found = all;
        }
        return all;
    }

    /**
     * The components to attach, each after those it requires: all found when {@code wanted}
     * is empty, else the wanted ones and what they require.
     */
    static List<KernelComponent> resolve(List<KernelComponent> found, List<String> wanted) {
        Map<String, KernelComponent> byName = new LinkedHashMap<>();
        found.stream().sorted(Comparator.comparing(KernelComponent::name)).forEach(c -> byName.putIfAbsent(c.name(), c));
        List<String> roots = wanted.isEmpty() ? new ArrayList<>(byName.keySet()) : wanted;
        Set<String> done = new LinkedHashSet<>();
        for (String name : roots) {
            visit(name, null, byName, done, new LinkedHashSet<>());
        }
        List<KernelComponent> order = new ArrayList<>(done.size());
        for (String name : done) {
            order.add(byName.get(name));
        }
        return order;
    }

    private static void visit(String name, String neededBy, Map<String, KernelComponent> byName, Set<String> done, Set<String> path) {
        if (done.contains(name)) {
            return;
        }
        KernelComponent c = byName.get(name);
        if (c == null) {
            throw new BootException("component '" + name + "'" + (neededBy == null ? "" : " (required by " + neededBy + ")")
                    + " not found; components on the class path: " + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())));
        }
        if (!path.add(name)) {
            throw new BootException("components require each other in a cycle: " + String.join(" -> ", path) + " -> " + name);
        }
        for (String r : c.requires().stream().sorted().toList()) {
            visit(r, name, byName, done, path);
        }
        path.remove(name);
        done.add(name);
    }
}
