package io.jrump.xen.hv.xen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Whether this machine runs on Xen: the test Linux itself offers in sysfs and devtmpfs. */
public final class XenHost {
    private XenHost() {
    }

    /**
     * Null on a Xen host ({@code type} reads {@code xen}, or {@code devXen} has entries),
     * otherwise the sentence that says why not.
     */
    public static String absence(Path type, Path devXen) {
        try {
            if (Files.isReadable(type) && Files.readString(type).strip().equals("xen")) {
                return null;
            }
        } catch (IOException e) {
            // unreadable: fall through to /dev/xen
        }
        if (Files.isDirectory(devXen)) {
            try (Stream<Path> s = Files.list(devXen)) {
                if (s.findAny().isPresent()) {
                    return null;
                }
            } catch (IOException e) {
                // unreadable: not usable either
            }
        }
        String t;
        try {
            t = Files.isReadable(type) ? "reads '" + Files.readString(type).strip() + "'" : "is absent";
        } catch (IOException e) {
            t = "is unreadable";
        }
        return "no Xen hypervisor: " + type + " " + t + " and " + devXen + " has no devices";
    }
}
