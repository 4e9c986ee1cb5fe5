package io.jrump.platform.host.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * The Linux C library calls jrump makes on the host — the host platform's TAP devices
 * ({@code open}, {@code ioctl}, {@code poll}, {@code eventfd}), vhost-user's Unix socket with
 * descriptors passed ({@code socket}, {@code connect}, {@code sendmsg}) and the shared memory of
 * vhost-user and the Xen emulation ({@code memfd_create}, {@code ftruncate}, {@code mmap}) — one
 * binding for every module that reaches the host (exported to the platform modules only), with JNA's
 * direct mapping (a JNI stub per method, no proxy or argument conversion on the way), so a
 * {@code write} of a 64 KiB frame costs about what the system call costs.
 *
 * <p>Memory is passed as an address ({@code long}): callers keep their buffers in direct
 * {@link ByteBuffer}s and pass {@link #address}, which is why only 64-bit Linux is supported
 * ({@code size_t}, {@code ssize_t} and {@code unsigned long} are then 64-bit, as {@code long}).
 * Failing calls throw {@link LastErrorException} with {@code errno}; {@link #errno} turns it
 * into an {@link ErrnoException} naming the call.
 *
 * <p>Availability is probed once, Netty style: {@link #isAvailable()} and
 * {@link #unavailabilityCause()}; nothing is loaded until a call is first needed.
 */
public final class Libc {
    /** {@code <fcntl.h>}, {@code <sys/socket.h>}, {@code <poll.h>}, {@code <sys/eventfd.h>} on Linux (asm-generic). */
    public static final int O_RDWR = 02;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final short POLLIN = 0x1;
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLRDHUP = 0x2000;
    /** {@code <sys/mman.h>}, {@code <linux/memfd.h>}. */
    public static final int MFD_CLOEXEC = 1;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final long MAP_FAILED = -1;
    /** {@code struct sockaddr_un}: {@code sa_family_t} and 108 bytes of path. */
    public static final int SUN_PATH_MAX = 108;
    /** {@code struct msghdr} on LP64: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad). */
    public static final int MSGHDR_SIZE = 56;
    /** {@code struct cmsghdr} on LP64: {@code size_t len; int level; int type;}. */
    public static final int CMSGHDR_SIZE = 16;
    /** Size of {@code struct pollfd} ({@code int fd; short events; short revents;}). */
    public static final int POLLFD_SIZE = 8;

    private static final Throwable CAUSE = load();

    private Libc() {
    }

    private static Throwable load() {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("host calls need 64-bit Linux, this is " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch"));
        }
        try {
            Native.register(Libc.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, or JNA's own native part missing for this platform
            return t;
        }
    }

    /** Whether the calls are bound. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why they are not, or null. */
    public static Throwable unavailabilityCause() {
        return CAUSE;
    }

    /** @throws ErrnoException ENOSYS naming why the C library could not be bound */
    public static void ensureAvailable(String what) throws ErrnoException {
        if (CAUSE != null) {
            throw new ErrnoException(Errno.ENOSYS, what + ": no native access to the host (" + CAUSE + ")");
        }
    }

    /** The address of a direct buffer's first byte (its position is not added). */
    public static long address(ByteBuffer direct) {
        return com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** The errno of a failed call as an ErrnoException: "{@code call what: EXXX (detail)}". */
    public static ErrnoException errno(LastErrorException e, String call, String what) {
        return errno(e, call, what, null);
    }

    /** {@link #errno(LastErrorException, String, String)} with a detail after the errno. */
    public static ErrnoException errno(LastErrorException e, String call, String what, String detail) {
        Errno known = Errno.of(e.getErrorCode());
        if (known == null) {
            return new ErrnoException(Errno.EIO, call, what, (detail == null ? "" : detail + "; ") + "host errno " + e.getErrorCode());
        }
        return new ErrnoException(known, call, what, detail);
    }

    public static native int open(String path, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native long read(int fd, long buf, long count) throws LastErrorException;

    public static native long write(int fd, long buf, long count) throws LastErrorException;

    /** {@code ioctl(fd, request, arg)} with a pointer argument. */
    public static native int ioctl(int fd, long request, long arg) throws LastErrorException;

    public static native int socket(int domain, int type, int protocol) throws LastErrorException;

    public static native int poll(long fds, long nfds, int timeout) throws LastErrorException;

    public static native int eventfd(int initval, int flags) throws LastErrorException;

    public static native int if_nametoindex(String name) throws LastErrorException;

    public static native int connect(int fd, long addr, int len) throws LastErrorException;

    public static native long sendmsg(int fd, long msghdr, int flags) throws LastErrorException;

    public static native int memfd_create(String name, int flags) throws LastErrorException;

    public static native int ftruncate(int fd, long length) throws LastErrorException;

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    public static native int munmap(long addr, long length) throws LastErrorException;
}
