package io.jrump.xen.platform;

/**
 * Names of Xen virtual block devices as Linux gives them: the xenstore device id
 * ({@code virtual-device}) of disk {@code n} is {@code (202 << 8) | (n << 4)} for the first
 * sixteen disks ({@code docs/misc/vbd-interface.txt} in Xen), named {@code xvda}, {@code xvdb}, ...
 */
final class VbdNames {
    static final int XVD_MAJOR = 202;

    private VbdNames() {
    }

    static int devid(int disk) {
        return (XVD_MAJOR << 8) | (disk << 4);
    }

    /** The name for a device id, or {@code vbd<devid>} for one outside the xvd scheme. */
    static String name(int devid) {
        if ((devid >> 8) == XVD_MAJOR && (devid & 0xf) == 0) {
            return "xvd" + (char) ('a' + ((devid >> 4) & 0xf));
        }
        return "vbd" + devid;
    }
}
