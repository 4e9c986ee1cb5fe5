package io.jrump.xen.hv;

import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The mapping side of grant tables: a backend maps the pages a frontend granted it (Linux's
 * gntdev). Every reference comes from the other domain and is checked: a reference outside the
 * table, an entry without GTF_permit_access, granted to another domain, or read-only when a
 * writable mapping is asked for, is refused with an error, never mapped.
 */
public interface GrantMapper extends AutoCloseable {
    /** A mapped grant; closing it unmaps the page and clears the GTF_reading/GTF_writing it set. */
    interface Mapping extends AutoCloseable {
        ByteBuffer page();

        @Override
        void close();
    }

    /** Maps {@code ref} of domain {@code domid}'s table. */
    Mapping map(int domid, int ref, boolean writable) throws ErrnoException;

    /**
     * Maps {@code refs} side by side as one buffer, as {@code xengnttab_map_domain_grant_refs}
     * does, so a backend can do one I/O into a request's pages; each reference is checked as
     * {@link #map} checks it. Returns null when this mapper cannot place them side by side
     * (the caller then maps them one by one).
     */
    default Mapping mapContiguous(int domid, int[] refs, boolean writable) throws ErrnoException {
        return null;
    }

    /**
     * One view of pages already mapped (each by {@link #map}, all of one granting domain), side
     * by side in the order given, when this mapper can give one without mapping again; null
     * otherwise. The view is valid only while every one of {@code maps} stays open: it lets a
     * backend that keeps mappings across requests (persistent grants) still do one I/O into a
     * request's pages.
     */
    default ByteBuffer joined(List<? extends Mapping> maps) {
        return null;
    }

    @Override
    void close();
}
