package io.jrump.xen.hv.emu;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The Linux calls the emulated hypervisor makes: {@code memfd_create}, {@code ftruncate},
 * {@code mmap}/{@code munmap} for granted pages another process can map, and {@code eventfd}
 * with {@code read}/{@code write} for event channels. JNA direct mapping, addresses as
 * {@code long} (64-bit Linux only), probed once (Netty's availability habit).
 */
final class LinuxCalls {
    /** {@code <sys/mman.h>} and {@code <sys/eventfd.h>} on Linux (asm-generic). */
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MFD_CLOEXEC = 1;
    static final int EFD_CLOEXEC = 02000000;
    static final long MAP_FAILED = -1;

    private static final Throwable CAUSE = load();

    private LinuxCalls() {
    }

    private static Throwable load() {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("the Xen emulation needs 64-bit Linux, this is " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch"));
        }
        try {
            Native.register(LinuxCalls.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, or JNA's native part missing
            return t;
        }
    }

    static boolean isAvailable() {
        return CAUSE == null;
    }

    static Throwable unavailabilityCause() {
        return CAUSE;
    }

    static void ensureAvailable(String what) throws ErrnoException {
        if (CAUSE != null) {
            throw new ErrnoException(Errno.ENOSYS, what + ": no native access to the host (" + CAUSE + ")");
        }
    }

    static ErrnoException errno(LastErrorException e, String call, String what) {
        Errno known = Errno.of(e.getErrorCode());
        return new ErrnoException(known == null ? Errno.EIO : known, call, what, known == null ? "host errno " + e.getErrorCode() : null);
    }

    static native int memfd_create(String name, int flags) throws LastErrorException;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    static native int munmap(long addr, long length) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native long read(int fd, long buf, long count) throws LastErrorException;

    static native long write(int fd, long buf, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
}
