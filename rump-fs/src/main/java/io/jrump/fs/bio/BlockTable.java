package io.jrump.fs.bio;

/**
 * The buffer cache's table: block number to {@link Buf}, in least-recently-used order. An
 * open-addressing hash table keyed by primitive {@code long}s (linear probing, deletion by
 * shifting the following entries back) with the order kept as a list threaded through the
 * buffers themselves, so a lookup allocates nothing: a {@code LinkedHashMap<Long, Buf>} boxes
 * every block number it is asked about and allocates an entry per block it holds, and a tree
 * walk asks about tens of thousands of blocks.
 *
 * <p>Not thread-safe: the cache's monitor guards it.
 */
final class BlockTable {
    private static final int MIN_CAPACITY = 64;
    /** Fibonacci hashing's multiplier (2^64 divided by the golden ratio): neighbouring block numbers land far apart. */
    private static final long SPREAD = 0x9E3779B97F4A7C15L;

    private long[] keys;
    private Buf[] values;
    /** log2 of the capacity. */
    private int bits;
    private int size;
    /** Least and most recently used; the list runs through {@link Buf#older} and {@link Buf#newer}. */
    private Buf oldest;
    private Buf newest;

    BlockTable() {
        bits = Integer.numberOfTrailingZeros(MIN_CAPACITY);
        keys = new long[MIN_CAPACITY];
        values = new Buf[MIN_CAPACITY];
    }

    int size() {
        return size;
    }

    private int home(long block) {
        return (int) ((block * SPREAD) >>> (64 - bits));
    }

    /** The slot holding {@code block}, or -1. */
    private int find(long block) {
        int mask = values.length - 1;
        for (int i = home(block); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == block) {
                return i;
            }
        }
        return -1;
    }

    /** The buffer of {@code block}, made the most recently used; null when absent. */
    Buf get(long block) {
        int i = find(block);
        if (i < 0) {
            return null;
        }
        Buf b = values[i];
        if (b != newest) {
            unlink(b);
            append(b);
        }
        return b;
    }

    /** Whether {@code block} is held, without changing the order. */
    boolean contains(long block) {
        return find(block) >= 0;
    }

    /** Puts {@code b} under its block, the most recently used, in place of any buffer held for that block. */
    void put(Buf b) {
        long block = b.block();
        int mask = values.length - 1;
        int i = home(block);
        while (values[i] != null) {
            if (keys[i] == block) {
                unlink(values[i]);
                values[i] = b;
                append(b);
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = block;
        values[i] = b;
        append(b);
        if (++size > values.length >> 1) {
            grow();
        }
    }

    /** Removes and returns the buffer of {@code block}, or null. */
    Buf remove(long block) {
        int i = find(block);
        if (i < 0) {
            return null;
        }
        Buf b = values[i];
        unlink(b);
        size--;
        int mask = values.length - 1;
        // shift back the entries after the hole that would no longer be found past it
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int h = home(keys[j]);
            boolean reachable = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!reachable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        return b;
    }

    /** The least recently used buffer (null when empty); {@link Buf#newer} goes on from there. */
    Buf oldest() {
        return oldest;
    }

    private void append(Buf b) {
        b.older = newest;
        b.newer = null;
        if (newest != null) {
            newest.newer = b;
        } else {
            oldest = b;
        }
        newest = b;
    }

    private void unlink(Buf b) {
        if (b.older != null) {
            b.older.newer = b.newer;
        } else {
            oldest = b.newer;
        }
        if (b.newer != null) {
            b.newer.older = b.older;
        } else {
            newest = b.older;
        }
        b.older = null;
        b.newer = null;
    }

    private void grow() {
        long[] oldKeys = keys;
        Buf[] oldValues = values;
        bits++;
        keys = new long[oldKeys.length << 1];
        values = new Buf[oldValues.length << 1];
        int mask = values.length - 1;
        for (int j = 0; j < oldValues.length; j++) {
            if (oldValues[j] != null) {
                int i = home(oldKeys[j]);
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }
}
