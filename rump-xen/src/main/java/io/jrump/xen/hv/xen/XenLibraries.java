package io.jrump.xen.hv.xen;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.file.Path;

/**
 * Xen's user-space libraries as a guest or dom0 uses them for paravirtual devices: event
 * channels ({@code libxenevtchn.so.1}, over {@code /dev/xen/evtchn}), sharing pages
 * ({@code xengntshr_*} in {@code libxengnttab.so.1}, over Linux's gntalloc device) and mapping
 * other domains' grants ({@code xengnttab_*}, over gntdev). JNA direct mapping.
 *
 * <p>Loaded only on Xen: availability is probed once (Netty's habit), and the probe first
 * looks for the hypervisor ({@code /sys/hypervisor/type} reading {@code xen}, or
 * {@code /dev/xen}), so a machine without Xen never loads the libraries at all, even when
 * they are installed (Debian's xen-utils installs them on any machine).
 */
public final class XenLibraries {
    /** {@code <poll.h>}. */
    static final short POLLIN = 0x1;

    private static final Throwable CAUSE = load();

    private XenLibraries() {
    }

    /** libxenevtchn. */
    static final class Evtchn {
        static native Pointer xenevtchn_open(Pointer logger, int flags) throws LastErrorException;

        static native int xenevtchn_close(Pointer xce);

        static native int xenevtchn_fd(Pointer xce);

        static native int xenevtchn_notify(Pointer xce, int port) throws LastErrorException;

        static native int xenevtchn_bind_unbound_port(Pointer xce, int domid) throws LastErrorException;

        static native int xenevtchn_bind_interdomain(Pointer xce, int domid, int remotePort) throws LastErrorException;

        static native int xenevtchn_unbind(Pointer xce, int port) throws LastErrorException;

        static native int xenevtchn_pending(Pointer xce) throws LastErrorException;

        static native int xenevtchn_unmask(Pointer xce, int port) throws LastErrorException;
    }

    /** libxengnttab: xengntshr (sharing) and xengnttab (mapping). */
    static final class Gnttab {
        static native Pointer xengntshr_open(Pointer logger, int flags) throws LastErrorException;

        static native int xengntshr_close(Pointer xgs);

        static native Pointer xengntshr_share_pages(Pointer xgs, int domid, int count, int[] refs, int writable) throws LastErrorException;

        static native int xengntshr_unshare(Pointer xgs, Pointer start, int count) throws LastErrorException;

        static native Pointer xengnttab_open(Pointer logger, int flags) throws LastErrorException;

        static native int xengnttab_close(Pointer xgt);

        static native Pointer xengnttab_map_grant_ref(Pointer xgt, int domid, int ref, int prot) throws LastErrorException;

        static native Pointer xengnttab_map_domain_grant_refs(Pointer xgt, int count, int domid, int[] refs, int prot) throws LastErrorException;

        static native int xengnttab_unmap(Pointer xgt, Pointer start, int count) throws LastErrorException;
    }

    /** {@code poll(2)} from the C library, for the event channel's file descriptor. */
    static final class C {
        static native int poll(long fds, long nfds, int timeout) throws LastErrorException;
    }

    private static Throwable load() {
        String why = XenHost.absence(Path.of("/sys/hypervisor/type"), Path.of("/dev/xen"));
        if (why != null) {
            return new UnsupportedOperationException(why);
        }
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("Xen devices need 64-bit Linux");
        }
        try {
            Native.register(Evtchn.class, "xenevtchn");
            Native.register(Gnttab.class, "xengnttab");
            Native.register(C.class, Platform.C_LIBRARY_NAME);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError: libxen*.so.1 missing (Debian packages libxenevtchn1, libxengnttab1)
            return t;
        }
    }

    public static boolean isAvailable() {
        return CAUSE == null;
    }

    public static Throwable unavailabilityCause() {
        return CAUSE;
    }

    static void ensureAvailable(String what) throws ErrnoException {
        if (CAUSE != null) {
            throw new ErrnoException(Errno.ENOSYS, what + ": Xen is not available (" + CAUSE.getMessage() + ")");
        }
    }

    static ErrnoException errno(LastErrorException e, String call) {
        Errno known = Errno.of(e.getErrorCode());
        return new ErrnoException(known == null ? Errno.EIO : known, call, null, known == null ? "host errno " + e.getErrorCode() : null);
    }
}
