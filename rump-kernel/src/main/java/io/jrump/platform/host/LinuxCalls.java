package io.jrump.platform.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * The few Linux C library calls the host platform makes for TAP devices, bound with JNA's
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
 * {@link #unavailabilityCause()}; nothing is loaded until a TAP device is first opened.
 */
final class LinuxCalls {
    /** {@code <fcntl.h>}, {@code <sys/socket.h>}, {@code <poll.h>}, {@code <sys/eventfd.h>} on Linux (asm-generic). */
    static final int O_RDWR = 02;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final short POLLIN = 0x1;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int EFD_NONBLOCK = O_NONBLOCK;
    /** Size of {@code struct pollfd} ({@code int fd; short events; short revents;}). */
    static final int POLLFD_SIZE = 8;

    private static final Throwable CAUSE = load();

    private LinuxCalls() {
    }

    private static Throwable load() {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("TAP devices need 64-bit Linux, this is " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch"));
        }
        try {
            Native.register(LinuxCalls.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, or JNA's own native part missing for this platform
            return t;
        }
    }

    /** Whether the calls are bound. */
    static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why they are not, or null. */
    static Throwable unavailabilityCause() {
        return CAUSE;
    }

    /** @throws ErrnoException ENOSYS naming why the C library could not be bound */
    static void ensureAvailable(String what) throws ErrnoException {
        if (CAUSE != null) {
            throw new ErrnoException(Errno.ENOSYS, what + ": no native access to the host (" + CAUSE + ")");
        }
    }

    /** The address of a direct buffer's first byte (its position is not added). */
    static long address(ByteBuffer direct) {
        return com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** The errno of a failed call as an ErrnoException: "{@code call what: EXXX (detail)}". */
    static ErrnoException errno(LastErrorException e, String call, String what, String detail) {
        Errno known = Errno.of(e.getErrorCode());
        if (known == null) {
            return new ErrnoException(Errno.EIO, call, what, (detail == null ? "" : detail + "; ") + "host errno " + e.getErrorCode());
        }
        return new ErrnoException(known, call, what, detail);
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long read(int fd, long buf, long count) throws LastErrorException;

    static native long write(int fd, long buf, long count) throws LastErrorException;

    /** {@code ioctl(fd, request, arg)} with a pointer argument. */
    static native int ioctl(int fd, long request, long arg) throws LastErrorException;

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int poll(long fds, long nfds, int timeout) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native int if_nametoindex(String name) throws LastErrorException;
}
