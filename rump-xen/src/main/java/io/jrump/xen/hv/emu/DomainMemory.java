package io.jrump.xen.hv.emu;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * An emulated domain's memory: a {@code memfd} mapped shared, so that its pages (granted
 * pages, the grant table itself) can be mapped by another process through
 * {@code /proc/<pid>/fd/<fd>} as well as by this one. Frame {@code n} is the page at byte
 * {@code n * 4096} of the file.
 */
final class DomainMemory implements AutoCloseable {
    static final int PAGE_SIZE = 4096;

    private final int fd;
    private final long address;
    private final int pages;
    private final ByteBuffer all;
    private boolean closed;

    private DomainMemory(int fd, long address, int pages) {
        this.fd = fd;
        this.address = address;
        this.pages = pages;
        this.all = new Pointer(address).getByteBuffer(0, (long) pages * PAGE_SIZE);
    }

    static DomainMemory create(String name, int pages) throws ErrnoException {
        Libc.ensureAvailable("memfd_create " + name);
        long size = (long) pages * PAGE_SIZE;
        int fd;
        try {
            fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "memfd_create", name);
        }
        try {
            Libc.ftruncate(fd, size);
            long a = Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            return new DomainMemory(fd, a, pages);
        } catch (LastErrorException e) {
            Libc.close(fd);
            throw Libc.errno(e, "mmap", name);
        }
    }

    int pages() {
        return pages;
    }

    /** Frame {@code frame}'s 4096 bytes, as a view. */
    ByteBuffer page(int frame) {
        return all.slice(frame * PAGE_SIZE, PAGE_SIZE);
    }

    /** Frames {@code frame .. frame + count - 1}, as one view. */
    ByteBuffer pages(int frame, int count) {
        return all.slice(frame * PAGE_SIZE, count * PAGE_SIZE);
    }

    /** Where another process opens this memory to map it. */
    String path() {
        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
    }

    /** Unmaps and closes; views handed out must no longer be used. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.munmap(address, (long) pages * PAGE_SIZE);
        } finally {
            Libc.close(fd);
        }
    }
}
