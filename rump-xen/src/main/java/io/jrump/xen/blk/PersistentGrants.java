package io.jrump.xen.blk;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.util.Arrays;

/**
 * The backend's side of {@code feature-persistent} ({@code xen/include/public/io/blkif.h}):
 * when both ends advertise it, the frontend reuses the same grants for its data pages, so the
 * backend maps each reference once and keeps the mapping until the device disconnects,
 * instead of mapping and unmapping every page of every request.
 *
 * <p>Mappings are writable (a read fills the page, a write reads it), bounded by a cap and
 * evicted least recently used beyond it, as Linux's xen-blkback does with its
 * {@code max_persistent_grants}. Eviction happens only between requests ({@link #trim}), so
 * no page a request is still using is unmapped under it. While a mapping is kept, its grant
 * entry carries GTF_reading/GTF_writing, so the frontend cannot end access to that page and
 * give the frame to anyone else: the backend only ever writes pages still granted to it. A
 * reference is mapped again only after its mapping was evicted, and then the entry is checked
 * anew (a grant ended meanwhile fails as any mapping of an ungranted reference does).
 *
 * <p>A 1 MiB request looks up 256 references, so the table is an open-addressed one keyed by
 * the reference itself (no boxing, no list to relink on every use); recency is a use counter per
 * entry, and only a table over its cap searches for the least recently used.
 *
 * <p>Not thread-safe: the backend uses it from its serving code, under its lock.
 */
final class PersistentGrants implements AutoCloseable {
    /**
     * Linux's xen-blkback default for its {@code max_persistent_grants} parameter
     * ({@code drivers/block/xen-blkback/blkback.c}).
     */
    static final int LINUX_DEFAULT_CAP = 1056;

    private static final int EMPTY = 0;

    private final GrantMapper mapper;
    private final int domid;
    private final int cap;
    /** Reference + 1 per slot ({@value #EMPTY}: free), linear probing; a power of two long, at most half full. */
    private int[] keys = new int[64];
    private GrantMapper.Mapping[] values = new GrantMapper.Mapping[64];
    /** The use counter's value at each slot's last use. */
    private long[] used = new long[64];
    private int size;
    private long uses;
    private long mapCalls;
    private long evictions;

    PersistentGrants(GrantMapper mapper, int domid, int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("persistent grant cap " + cap);
        }
        this.mapper = mapper;
        this.domid = domid;
        this.cap = cap;
    }

    /** The kept writable mapping of {@code ref}, mapping it now if it is not kept yet. */
    GrantMapper.Mapping get(int ref) throws ErrnoException {
        int key = ref + 1;
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        for (int k; (k = keys[i]) != EMPTY; i = (i + 1) & mask) {
            if (k == key) {
                used[i] = ++uses;
                return values[i];
            }
        }
        GrantMapper.Mapping m = mapper.map(domid, ref, true); // a grant the frontend never gave fails here, before anything is kept
        mapCalls++;
        keys[i] = key;
        values[i] = m;
        used[i] = ++uses;
        if (++size * 2 > keys.length) {
            resize(keys.length * 2);
        }
        return m;
    }

    /** Unmaps the least recently used mappings beyond the cap; call between requests. */
    void trim() {
        while (size > cap) {
            int oldest = -1;
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != EMPTY && (oldest < 0 || used[i] < used[oldest])) {
                    oldest = i;
                }
            }
            GrantMapper.Mapping m = values[oldest];
            remove(oldest);
            m.close();
            evictions++;
        }
    }

    /** Mappings kept now. */
    int size() {
        return size;
    }

    /** Mappings unmapped so far, by eviction or close: a view joined from kept mappings is valid while this stays the same. */
    long evictions() {
        return evictions;
    }

    /** Grants mapped so far (a reference mapped again after eviction counts again). */
    long mapCalls() {
        return mapCalls;
    }

    /** Unmaps everything (the device disconnects). */
    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                values[i].close();
            }
        }
        Arrays.fill(keys, EMPTY);
        Arrays.fill(values, null);
        evictions += size;
        size = 0;
    }

    /** Frees slot {@code i}, moving later entries of its probe run back so that every entry stays reachable. */
    private void remove(int i) {
        int mask = keys.length - 1;
        keys[i] = EMPTY;
        values[i] = null;
        size--;
        for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            // the entry at j may move to the hole at i when its home is not in (i, j], cyclically
            if (((j - home) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                values[i] = values[j];
                used[i] = used[j];
                keys[j] = EMPTY;
                values[j] = null;
                i = j;
            }
        }
    }

    private void resize(int length) {
        int[] k = keys;
        GrantMapper.Mapping[] v = values;
        long[] u = used;
        keys = new int[length];
        values = new GrantMapper.Mapping[length];
        used = new long[length];
        int mask = length - 1;
        for (int i = 0; i < k.length; i++) {
            if (k[i] != EMPTY) {
                int j = mix(k[i]) & mask;
                while (keys[j] != EMPTY) {
                    j = (j + 1) & mask;
                }
                keys[j] = k[i];
                values[j] = v[i];
                used[j] = u[i];
            }
        }
    }

    /** Spreads references (often consecutive) over the table. */
    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
