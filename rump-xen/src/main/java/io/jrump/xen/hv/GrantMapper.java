package io.jrump.xen.hv;

import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

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

    @Override
    void close();
}
