package io.jrump.api;

/**
 * Device numbers ({@code st_dev}, {@code st_rdev}, the {@code dev} of {@code mknod}) in the
 * 64-bit layout of glibc's {@code makedev} (sys/sysmacros.h): the minor number's low 8 bits
 * in bits 0-7 and the rest from bit 20, the major number's low 12 bits in bits 8-19 and the
 * rest from bit 32. It carries every 32-bit major and minor (Linux's own are 12 and 20 bits,
 * ext4's new encoding holds those) where the old {@code major << 8 | minor} breaks above 255,
 * and it is what the JDK's {@code unix:rdev} reports on Linux, so host and kernel numbers
 * compare directly.
 */
public final class DeviceNumber {
    private DeviceNumber() {
    }

    /** The device number of {@code major:minor} (each an unsigned 32-bit value). */
    public static long of(long major, long minor) {
        return (major & 0x00000fffL) << 8 | (major & 0xfffff000L) << 32 | (minor & 0x000000ffL) | (minor & 0xffffff00L) << 12;
    }

    public static long major(long dev) {
        return (dev >>> 8 & 0x00000fffL) | (dev >>> 32 & 0xfffff000L);
    }

    public static long minor(long dev) {
        return (dev & 0x000000ffL) | (dev >>> 12 & 0xffffff00L);
    }

    /** {@code major:minor}, as messages show it. */
    public static String toString(long dev) {
        return major(dev) + ":" + minor(dev);
    }
}
