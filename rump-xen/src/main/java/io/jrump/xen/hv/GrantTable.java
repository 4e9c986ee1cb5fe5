package io.jrump.xen.hv;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The granting side of Xen's grant tables (v1, {@code xen/include/public/grant_table.h}): a
 * frontend hands another domain access to one of its pages by writing an entry
 * {@code {flags, domid, frame}} and passing the entry's index, the grant reference, through
 * xenstore or a ring. Pages come from the table with their grant already written, as Linux's
 * gntalloc device gives them, so the same code runs on the emulation and on Xen.
 */
public interface GrantTable extends AutoCloseable {
    /** {@code GNTTAB_NR_RESERVED_ENTRIES}: references 0..7 belong to the toolstack and are never handed out. */
    int RESERVED_ENTRIES = 8;

    /** A page of this domain that {@code domid} may map, read-only or not. */
    GrantedPage grant(int domid, boolean readOnly) throws ErrnoException;

    /**
     * {@code count} pages granted to {@code domid} together, mapped side by side locally (Linux's
     * gntalloc shares a run in one call): for a structure the other domain maps as one run (a
     * multi-page ring) or a pool of pages handed out in runs. Where the platform can (the
     * emulation), the pages are also consecutive frames, so {@link GrantMapper#mapContiguous}
     * maps a run of them without remapping. Each page is ended with {@link #endAccess}.
     */
    GrantedRun grantRun(int domid, int count, boolean readOnly) throws ErrnoException;

    /**
     * Revokes the grant and frees the page. Fails with EBUSY while the other domain still has
     * it mapped (GTF_reading or GTF_writing set), as Xen's protocol requires; the grant then
     * stays valid and the caller may try again later.
     */
    void endAccess(GrantedPage page) throws ErrnoException;

    /**
     * As {@link #endAccess}, but answers false instead of failing while the other domain still
     * has the page mapped (Linux's {@code gnttab_try_end_foreign_access}): for a caller that
     * keeps such pages and tries again later, often, without the cost of an exception each time.
     *
     * @return true when the grant is ended and the page freed; false when it stays granted, as it was
     * @throws ErrnoException for any other reason {@link #endAccess} fails (a page not granted here)
     */
    default boolean tryEndAccess(GrantedPage page) throws ErrnoException {
        try {
            endAccess(page);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EBUSY) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Takes the other domain's access to {@code page} away for a while, keeping the page and its
     * reference (Linux's netfront ends an rx buffer's grant before the stack reads the packet in
     * it, and grants it again when it posts the buffer): while suspended, a mapping of the
     * reference is refused, so the other domain cannot change the bytes this domain is reading.
     * Refused (false) while the other domain has the page mapped, and where the platform cannot
     * suspend a grant (gntalloc's grants last until the page is freed); the grant then stays as
     * it was.
     *
     * @return whether access is suspended, to be given back with {@link #resumeAccess}
     */
    default boolean suspendAccess(GrantedPage page) {
        return false;
    }

    /** Gives back the access {@link #suspendAccess} took. */
    default void resumeAccess(GrantedPage page) {
    }

    /** Pages granted and not yet ended. */
    int inUse();

    @Override
    void close();
}
