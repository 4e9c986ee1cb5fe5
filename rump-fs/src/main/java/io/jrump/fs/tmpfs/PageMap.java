package io.jrump.fs.tmpfs;

/**
 * The pages of one file: a radix tree of 64-way nodes over page indices, with page-sized
 * {@code byte[]} leaves. A sparse file costs only the pages written and the few nodes above
 * them; a hole is a missing leaf. The tree is as tall as the highest index needs, so a small
 * file is one array lookup away from its data and a read is a single copy out of the page.
 *
 * <p>Not thread-safe: the file's vnode lock guards it.
 */
final class PageMap {
    private static final int BITS = 6;
    private static final int FANOUT = 1 << BITS;
    private static final int MASK = FANOUT - 1;
    /** 10 levels of 6 bits cover every non-negative long index. */
    private static final int MAX_HEIGHT = 11;

    private Object[] root;
    private int height;
    private long count;

    /** The page at {@code index}, or null for a hole. */
    byte[] get(long index) {
        Object[] node = root;
        if (node == null || !covers(height, index)) {
            return null;
        }
        for (int level = height - 1; level > 0; level--) {
            node = (Object[]) node[(int) (index >>> (BITS * level)) & MASK];
            if (node == null) {
                return null;
            }
        }
        return (byte[]) node[(int) index & MASK];
    }

    /** Stores {@code page} at {@code index}, where there was none. */
    void put(long index, byte[] page) {
        if (root == null) {
            root = new Object[FANOUT];
            height = 1;
        }
        while (!covers(height, index)) {
            Object[] up = new Object[FANOUT];
            up[0] = root;
            root = up;
            height++;
        }
        Object[] node = root;
        for (int level = height - 1; level > 0; level--) {
            int slot = (int) (index >>> (BITS * level)) & MASK;
            Object[] next = (Object[]) node[slot];
            if (next == null) {
                next = new Object[FANOUT];
                node[slot] = next;
            }
            node = next;
        }
        int slot = (int) index & MASK;
        if (node[slot] == null) {
            count++;
        }
        node[slot] = page;
    }

    /** Drops every page at {@code first} or above; returns how many there were. */
    long removeFrom(long first) {
        if (root == null) {
            return 0;
        }
        long removed = prune(root, height - 1, 0, first);
        count -= removed;
        if (count == 0) {
            root = null;
            height = 0;
        }
        return removed;
    }

    /** Pages present. */
    long count() {
        return count;
    }

    private static long prune(Object[] node, int level, long base, long first) {
        long removed = 0;
        long span = 1L << (BITS * level);
        for (int i = 0; i < FANOUT; i++) {
            Object child = node[i];
            long childBase = base + i * span;
            if (child == null || childBase + span <= first) {
                continue;
            }
            if (level == 0) {
                node[i] = null;
                removed++;
            } else {
                removed += prune((Object[]) child, level - 1, childBase, first);
                if (childBase >= first) {
                    node[i] = null;
                }
            }
        }
        return removed;
    }

    private static boolean covers(int height, long index) {
        return height >= MAX_HEIGHT || (index >>> (BITS * height)) == 0;
    }
}
