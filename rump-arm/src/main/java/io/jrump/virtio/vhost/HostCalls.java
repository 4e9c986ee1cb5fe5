package io.jrump.virtio.vhost;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The Linux C library calls vhost-user needs: a Unix socket that passes file descriptors
 * ({@code sendmsg} with SCM_RIGHTS), shared memory ({@code memfd_create}, {@code mmap}) and
 * eventfds, bound with JNA's direct mapping as the host platform's TAP calls are.
 *
 * <p>Memory is passed by address ({@code long}), so only 64-bit Linux is supported, where
 * {@code size_t}, {@code ssize_t} and pointers are 64 bits and the structures below have the
 * same layout on x86-64 and aarch64. Availability is probed once (Netty's habit):
 * {@link #isAvailable()}, {@link #unavailabilityCause()}.
 */
final class HostCalls {
    /** {@code <sys/socket.h>}, {@code <fcntl.h>}, {@code <sys/mman.h>}, {@code <poll.h>}, {@code <sys/eventfd.h>}, {@code <linux/memfd.h>}. */
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int EFD_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;
    static final int MFD_CLOEXEC = 1;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLRDHUP = 0x2000;
    /** {@code struct sockaddr_un}: {@code sa_family_t} and 108 bytes of path. */
    static final int SUN_PATH_MAX = 108;
    /** {@code struct msghdr} on LP64: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad). */
    static final int MSGHDR_SIZE = 56;
    /** {@code struct cmsghdr} on LP64: {@code size_t len; int level; int type;}. */
    static final int CMSGHDR_SIZE = 16;
    static final int POLLFD_SIZE = 8;

    private static final Throwable CAUSE = load();

    private HostCalls() {
    }

    private static Throwable load() {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("vhost-user needs 64-bit Linux, this is " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch"));
        }
        try {
            Native.register(HostCalls.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, or no JNA native part for this platform
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

    /** "{@code call what: EXXX}" from a failed call. */
    static ErrnoException errno(LastErrorException e, String call, String what) {
        Errno known = Errno.of(e.getErrorCode());
        if (known == null) {
            return new ErrnoException(Errno.EIO, call, what, "host errno " + e.getErrorCode());
        }
        return new ErrnoException(known, call, what, null);
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int connect(int fd, long addr, int len) throws LastErrorException;

    static native long sendmsg(int fd, long msghdr, int flags) throws LastErrorException;

    static native long read(int fd, long buf, long count) throws LastErrorException;

    static native long write(int fd, long buf, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int poll(long fds, long nfds, int timeout) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native int memfd_create(String name, int flags) throws LastErrorException;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    static native int munmap(long addr, long length) throws LastErrorException;
}
