package io.jrump.xen.blk;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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
 * <p>Not thread-safe: the backend uses it from its serving code, under its lock.
 */
final class PersistentGrants implements AutoCloseable {
    /**
     * Linux's xen-blkback default for its {@code max_persistent_grants} parameter
     * ({@code drivers/block/xen-blkback/blkback.c}).
     */
    static final int LINUX_DEFAULT_CAP = 1056;

    private final GrantMapper mapper;
    private final int domid;
    private final int cap;
    /** Reference to its mapping, least recently used first. */
    private final LinkedHashMap<Integer, GrantMapper.Mapping> maps = new LinkedHashMap<>(64, 0.75f, true);
    private long mapCalls;

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
        GrantMapper.Mapping m = maps.get(ref);
        if (m == null) {
            m = mapper.map(domid, ref, true);
            mapCalls++;
            maps.put(ref, m);
        }
        return m;
    }

    /** Unmaps the least recently used mappings beyond the cap; call between requests. */
    void trim() {
        Iterator<Map.Entry<Integer, GrantMapper.Mapping>> it = maps.entrySet().iterator();
        while (maps.size() > cap && it.hasNext()) {
            GrantMapper.Mapping m = it.next().getValue();
            it.remove();
            m.close();
        }
    }

    /** Mappings kept now. */
    int size() {
        return maps.size();
    }

    /** Grants mapped so far (a reference mapped again after eviction counts again). */
    long mapCalls() {
        return mapCalls;
    }

    /** Unmaps everything (the device disconnects). */
    @Override
    public void close() {
        for (GrantMapper.Mapping m : maps.values()) {
            m.close();
        }
        maps.clear();
    }
}
