package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.net.wire.Ipv4Address;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The IPv4 routing table: connected routes made from interface addresses, static routes and a
 * default route, looked up by longest prefix match. A kernel has a handful of routes, so the
 * table is an array sorted by prefix length, longest first, replaced whole on each change:
 * lookups on the packet path take no lock.
 */
final class RouteTable {
    private static final Comparator<Route> LONGEST_FIRST = Comparator.comparingInt(Route::prefixLength).reversed();

    private volatile Route[] routes = new Route[0];

    /** The best route to {@code dst} through an interface that is up, or null. */
    Route lookup(int dst) {
        for (Route r : routes) {
            if (r.matches(dst) && r.ifp().isUp()) {
                return r;
            }
        }
        return null;
    }

    /** Adds a route; EEXIST when one for the same prefix through the same interface exists. */
    synchronized void add(Route r) throws ErrnoException {
        int mask = Ipv4Address.mask(r.prefixLength());
        if ((r.destination() & mask) != r.destination()) {
            throw new ErrnoException(Errno.EINVAL, "route " + r + " has host bits set");
        }
        for (Route x : routes) {
            if (x.destination() == r.destination() && x.prefixLength() == r.prefixLength() && x.ifp() == r.ifp()) {
                throw new ErrnoException(Errno.EEXIST, "route " + r + " exists");
            }
        }
        Route[] next = Arrays.copyOf(routes, routes.length + 1);
        next[routes.length] = r;
        Arrays.sort(next, LONGEST_FIRST);
        routes = next;
    }

    /** Removes routes for the prefix (through {@code ifp} when not null); returns how many. */
    synchronized int remove(int destination, int prefixLength, InetIf ifp) {
        return removeIf(r -> r.destination() == destination && r.prefixLength() == prefixLength && (ifp == null || r.ifp() == ifp));
    }

    /** Removes every route through {@code ifp} or via a gateway reached through it. */
    synchronized int removeInterface(InetIf ifp) {
        return removeIf(r -> r.ifp() == ifp);
    }

    private int removeIf(java.util.function.Predicate<Route> p) {
        List<Route> keep = new ArrayList<>();
        for (Route r : routes) {
            if (!p.test(r)) {
                keep.add(r);
            }
        }
        int removed = routes.length - keep.size();
        routes = keep.toArray(new Route[0]);
        return removed;
    }

    List<Route> list() {
        return List.of(routes);
    }
}
