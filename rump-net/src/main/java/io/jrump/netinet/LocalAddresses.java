package io.jrump.netinet;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable snapshot of a stack's own IPv4 addresses and of the subnet-directed broadcasts
 * of its interfaces, in sorted arrays. Every arriving datagram asks twice whether an address is
 * ours (its destination, and its source for the martian check), so the question must cost no
 * allocation and no walk over interfaces and their address lists: a binary search in an array
 * of a few ints does. Addresses change rarely; each change makes a new snapshot
 * ({@link InetStack#addressesChanged}) and readers take the current one from a volatile field.
 */
final class LocalAddresses {
    static final LocalAddresses NONE = new LocalAddresses(new int[0], new int[0]);

    private final int[] own;
    private final int[] broadcasts;

    private LocalAddresses(int[] own, int[] broadcasts) {
        this.own = own;
        this.broadcasts = broadcasts;
    }

    /** The addresses configured on {@code interfaces} and their subnet broadcasts (none on /31 and /32). */
    static LocalAddresses of(List<InetIf> interfaces) {
        int[] own = new int[0];
        int[] bcast = new int[0];
        for (InetIf i : interfaces) {
            for (IfAddr a : i.addresses()) {
                own = append(own, a.address());
                if (a.broadcast() != 0) {
                    bcast = append(bcast, a.broadcast());
                }
            }
        }
        return new LocalAddresses(sortedDistinct(own), sortedDistinct(bcast));
    }

    private static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    private static int[] sortedDistinct(int[] a) {
        return Arrays.stream(a).sorted().distinct().toArray();
    }

    /** Whether {@code a} is configured on one of the interfaces (127.0.0.1 on lo0 included). */
    boolean isOwn(int a) {
        return Arrays.binarySearch(own, a) >= 0;
    }

    /** Whether {@code a} is the subnet-directed broadcast of one of the interfaces' addresses. */
    boolean isSubnetBroadcast(int a) {
        return Arrays.binarySearch(broadcasts, a) >= 0;
    }
}
