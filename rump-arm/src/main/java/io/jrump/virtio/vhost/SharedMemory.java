package io.jrump.virtio.vhost;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.GuestMemory;

/**
 * The frontend's "guest RAM" for vhost-user: a {@code memfd} of a fixed size, mapped shared into
 * this process; its descriptor goes to the backend in SET_MEM_TABLE and the backend maps the
 * same pages. Untouched pages cost nothing, so the region can be generous.
 */
final class SharedMemory implements AutoCloseable {
    final int fd;
    final long address;
    final long size;
    final GuestMemory memory;
    private boolean closed;

    private SharedMemory(int fd, long address, long size, GuestMemory memory) {
        this.fd = fd;
        this.address = address;
        this.size = size;
        this.memory = memory;
    }

    /** A region of {@code size} bytes seen by the device at guest-physical {@code base}. */
    static SharedMemory create(String name, long base, int size) throws ErrnoException {
        Libc.ensureAvailable("memfd " + name);
        int fd;
        try {
            fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "memfd_create", name);
        }
        try {
            Libc.ftruncate(fd, size);
            long addr = Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            GuestMemory mem = new GuestMemory(base, new Pointer(addr).getByteBuffer(0, size));
            return new SharedMemory(fd, addr, size, mem);
        } catch (LastErrorException e) {
            Libc.close(fd);
            throw Libc.errno(e, "mmap", name);
        }
    }

    /** This process's address of a guest-physical address (what SET_VRING_ADDR takes). */
    long userAddress(long gpa) {
        return address + (gpa - memory.base());
    }

    /** Unmaps and closes; the caller must know no buffer of it is in use. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.munmap(address, size);
        } catch (LastErrorException ignored) {
            // nothing left to do with an unmappable region
        }
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // closed is closed
        }
    }
}
