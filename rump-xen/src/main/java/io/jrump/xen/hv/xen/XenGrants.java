package io.jrump.xen.hv.xen;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.GrantedRun;
import java.util.ArrayList;
import java.util.List;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Grants through libxengnttab: pages shared with {@code xengntshr_share_pages} (Linux's
 * gntalloc, which allocates the page and writes the grant entry in one call, and frees it only
 * once the other domain has unmapped it) and other domains' grants mapped with
 * {@code xengnttab_map_grant_ref} (gntdev, where the hypervisor checks the entry).
 */
final class XenGrants implements GrantTable, GrantMapper {
    private static final int PAGE_SIZE = 4096;
    /** {@code PROT_READ | PROT_WRITE} from {@code <sys/mman.h>}. */
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;

    private final Pointer gntshr;
    private final Pointer gnttab;
    /** Shared pages by reference; guarded by this. */
    private final Map<Integer, Pointer> shared = new HashMap<>();

    private XenGrants(Pointer gntshr, Pointer gnttab) {
        this.gntshr = gntshr;
        this.gnttab = gnttab;
    }

    static XenGrants open() throws ErrnoException {
        XenLibraries.ensureAvailable("open grant devices");
        try {
            Pointer s = XenLibraries.Gnttab.xengntshr_open(null, 0);
            Pointer t = XenLibraries.Gnttab.xengnttab_open(null, 0);
            return new XenGrants(s, t);
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengntshr_open/xengnttab_open");
        }
    }

    @Override
    public synchronized GrantedPage grant(int domid, boolean readOnly) throws ErrnoException {
        int[] ref = new int[1];
        Pointer p;
        try {
            p = XenLibraries.Gnttab.xengntshr_share_pages(gntshr, domid, 1, ref, readOnly ? 0 : 1);
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengntshr_share_pages");
        }
        if (p == null) {
            throw new ErrnoException(Errno.ENOMEM, "xengntshr_share_pages: no page");
        }
        shared.put(ref[0], p);
        return new GrantedPage(ref[0], -1, p.getByteBuffer(0, PAGE_SIZE));
    }

    /** One {@code xengntshr_share_pages} call: the pages come mapped side by side; each is unshared on its own. */
    @Override
    public synchronized GrantedRun grantRun(int domid, int count, boolean readOnly) throws ErrnoException {
        if (count < 1) {
            throw new ErrnoException(Errno.EINVAL, "xengntshr_share_pages: " + count + " pages");
        }
        int[] refs = new int[count];
        Pointer p;
        try {
            p = XenLibraries.Gnttab.xengntshr_share_pages(gntshr, domid, count, refs, readOnly ? 0 : 1);
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengntshr_share_pages");
        }
        if (p == null) {
            throw new ErrnoException(Errno.ENOMEM, "xengntshr_share_pages: no pages");
        }
        List<GrantedPage> pages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Pointer pi = p.share((long) i * PAGE_SIZE);
            shared.put(refs[i], pi);
            pages.add(new GrantedPage(refs[i], -1, pi.getByteBuffer(0, PAGE_SIZE)));
        }
        return new GrantedRun(List.copyOf(pages), p.getByteBuffer(0, (long) count * PAGE_SIZE));
    }

    @Override
    public synchronized void endAccess(GrantedPage page) throws ErrnoException {
        Pointer p = shared.remove(page.ref());
        if (p == null) {
            throw new ErrnoException(Errno.EINVAL, "end access to grant " + page.ref() + ": not shared here");
        }
        try {
            XenLibraries.Gnttab.xengntshr_unshare(gntshr, p, 1);
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengntshr_unshare");
        }
    }

    @Override
    public synchronized int inUse() {
        return shared.size();
    }

    @Override
    public Mapping map(int domid, int ref, boolean writable) throws ErrnoException {
        Pointer p;
        try {
            p = XenLibraries.Gnttab.xengnttab_map_grant_ref(gnttab, domid, ref, PROT_READ | (writable ? PROT_WRITE : 0));
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengnttab_map_grant_ref");
        }
        if (p == null) {
            throw new ErrnoException(Errno.EINVAL, "xengnttab_map_grant_ref: grant " + ref + " of domain " + domid + " not mapped");
        }
        ByteBuffer page = p.getByteBuffer(0, PAGE_SIZE);
        return new Mapping() {
            private boolean closed;

            @Override
            public ByteBuffer page() {
                return page;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    XenLibraries.Gnttab.xengnttab_unmap(gnttab, p, 1);
                }
            }
        };
    }

    /** {@code xengnttab_map_domain_grant_refs}: gntdev maps any grants side by side. */
    @Override
    public Mapping mapContiguous(int domid, int[] refs, boolean writable) throws ErrnoException {
        Pointer p;
        try {
            p = XenLibraries.Gnttab.xengnttab_map_domain_grant_refs(gnttab, refs.length, domid, refs.clone(), PROT_READ | (writable ? PROT_WRITE : 0));
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xengnttab_map_domain_grant_refs");
        }
        if (p == null) {
            throw new ErrnoException(Errno.EINVAL, "xengnttab_map_domain_grant_refs: " + refs.length + " grants of domain " + domid + " not mapped");
        }
        ByteBuffer run = p.getByteBuffer(0, (long) refs.length * PAGE_SIZE);
        int count = refs.length;
        return new Mapping() {
            private boolean closed;

            @Override
            public ByteBuffer page() {
                return run;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    XenLibraries.Gnttab.xengnttab_unmap(gnttab, p, count);
                }
            }
        };
    }

    @Override
    public synchronized void close() {
        XenLibraries.Gnttab.xengntshr_close(gntshr);
        XenLibraries.Gnttab.xengnttab_close(gnttab);
    }
}
