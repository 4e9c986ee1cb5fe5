package io.jrump.xen.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.testing.Peers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Sizes, offsets and constants of Xen's shared structures as gcc sees them in the libxen-dev
 * headers ({@code abi.c}), for tests that hold the Java codecs to the C ABI. Skips without gcc
 * or the headers.
 */
public final class XenAbi {
    private static Map<String, Long> cached;

    private XenAbi() {
    }

    public static synchronized Map<String, Long> values() throws Exception {
        Path gcc = Peers.require("gcc", "gcc");
        assumeTrue(Files.exists(Path.of("/usr/include/xen/io/blkif.h")), "Xen headers not installed (Debian package libxen-dev)");
        if (cached == null) {
            Path dir = Files.createTempDirectory("jrump-xen-abi");
            try {
                Path src = dir.resolve("abi.c");
                try (InputStream in = XenAbi.class.getResourceAsStream("/io/jrump/xen/abi.c")) {
                    Files.copy(in, src);
                }
                Path exe = dir.resolve("abi");
                Peers.ok(gcc.toString(), "-o", exe.toString(), src.toString());
                Map<String, Long> m = new HashMap<>();
                for (String line : Peers.ok(exe.toString()).split("\n")) {
                    int sp = line.lastIndexOf(' ');
                    if (sp > 0) {
                        m.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).strip()));
                    }
                }
                cached = m;
            } finally {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        return cached;
    }
}
