package io.jrump.xen.hv.emu;

import io.jrump.platform.host.linux.Libc;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannels;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.Hypervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An emulation of the parts of the Xen hypervisor that paravirtual devices use, for running
 * frontends and backends on a machine without Xen: domains whose memory is a {@code memfd}
 * (grant tables and granted pages), event channels made of {@code eventfd}s. One instance is
 * one machine; its domains are independent of any other instance's.
 */
public final class EmulatedXen implements AutoCloseable {
    /** Frames of each domain's grant table: 16 frames of 512 v1 entries, room for several disks with 1 MiB requests. */
    static final int TABLE_FRAMES = 16;

    private final ConcurrentHashMap<Integer, Domain> domains = new ConcurrentHashMap<>();

    /** Whether the emulation can run here (64-bit Linux with JNA), probed once. */
    public static boolean isAvailable() {
        return Libc.isAvailable();
    }

    public static Throwable unavailabilityCause() {
        return Libc.unavailabilityCause();
    }

    /** Creates domain {@code domid} with {@code pages} pages of memory to grant (besides its grant table). */
    public Hypervisor createDomain(int domid, int pages) throws ErrnoException {
        if (domid < 0 || domid > 0x7fef) {
            throw new ErrnoException(Errno.EINVAL, "create domain " + domid + ": not a domain id");
        }
        DomainMemory m = DomainMemory.create("xen-emu-dom" + domid, TABLE_FRAMES + pages);
        Domain d = new Domain(domid, m);
        if (domains.putIfAbsent(domid, d) != null) {
            m.close();
            throw new ErrnoException(Errno.EEXIST, "create domain " + domid + ": exists");
        }
        return d;
    }

    /**
     * Where another process maps domain {@code domid}'s memory ({@code /proc/<pid>/fd/<n>} of
     * its memfd): frames 0..{@link #TABLE_FRAMES}-1 hold the v1 grant table, the rest the pages.
     */
    public String memoryPath(int domid) throws ErrnoException {
        Domain d = domains.get(domid);
        if (d == null) {
            throw new ErrnoException(Errno.ESRCH, "memory of domain " + domid + ": no such domain");
        }
        return d.memory.path();
    }

    /** Frames of each domain's grant table, for a process that maps {@link #memoryPath}. */
    public static int tableFrames() {
        return TABLE_FRAMES;
    }

    EmulatedGrantTable grantTableOf(int domid) {
        Domain d = domains.get(domid);
        return d == null ? null : d.grants;
    }

    EmulatedEventChannels eventChannelsOf(int domid) {
        Domain d = domains.get(domid);
        return d == null ? null : d.channels;
    }

    /** Destroys every domain. */
    @Override
    public void close() {
        for (Domain d : new ArrayList<>(domains.values())) {
            d.close();
        }
    }

    private final class Domain implements Hypervisor {
        private final int domid;
        private final DomainMemory memory;
        private final EmulatedGrantTable grants;
        private final EmulatedGrantMapper mapper;
        private final EmulatedEventChannels channels;

        Domain(int domid, DomainMemory memory) {
            this.domid = domid;
            this.memory = memory;
            this.grants = new EmulatedGrantTable(domid, memory, TABLE_FRAMES);
            this.mapper = new EmulatedGrantMapper(EmulatedXen.this, domid);
            this.channels = new EmulatedEventChannels(EmulatedXen.this, domid);
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public GrantTable grantTable() {
            return grants;
        }

        @Override
        public GrantMapper grantMapper() {
            return mapper;
        }

        @Override
        public EventChannels eventChannels() {
            return channels;
        }

        @Override
        public void close() {
            if (domains.remove(domid, this)) {
                channels.close();
                if (grants.anyMapped()) {
                    // another domain still maps a page: unmapping it under that domain would crash the process
                    System.getLogger("jrump.xen").log(System.Logger.Level.WARNING, this + " destroyed with pages still mapped; its memory stays mapped");
                    return;
                }
                memory.close();
            }
        }

        @Override
        public String toString() {
            return "emulated domain " + domid + " (" + memory.path() + ")";
        }
    }

    /** The ids of the live domains, for diagnostics. */
    public List<Integer> domainIds() {
        return new ArrayList<>(domains.keySet());
    }
}
