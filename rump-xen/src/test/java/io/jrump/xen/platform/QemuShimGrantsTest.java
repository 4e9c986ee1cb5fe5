package io.jrump.xen.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.testing.Peers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The grant checks of {@code qemu-shim.c}, the library under which QEMU's xen-disk serves
 * blkfront ({@link QemuXenDiskTest}), driven directly by a small C program
 * ({@code qemu-shim-grants.c}) that calls its libxengnttab functions as QEMU does against a grant
 * table it writes: copies to and from a granted page land in the right bytes; a read-only grant,
 * another domain's, the table's own frame, a frame past the domain's memory, an entry never
 * granted or past the table, a copy crossing the page and one with both sides foreign are each
 * refused with the status Xen gives ({@code xen/grant_table.h}); and GTF_reading/GTF_writing
 * stay set exactly while some copy or mapping uses the page, counted per use as the
 * hypervisor's pins are, so a frontend cannot end a grant a second mapping still holds.
 */
class QemuShimGrantsTest {
    private static final int GNTST_OKAY = 0;
    private static final int GNTST_GENERAL_ERROR = -1;
    private static final int GNTST_BAD_GNTREF = -3;
    private static final int GNTST_PERMISSION_DENIED = -8;
    private static final int GTF_READING = 1 << 3;
    private static final int GTF_WRITING = 1 << 4;
    private static final int EACCES = 13;

    @TempDir
    Path tmp;

    @Test
    void grantCopiesAndMappingsAreCheckedAndPinned() throws Exception {
        Path gcc = Peers.require("gcc", "gcc");
        assumeTrue(Files.exists(Path.of("/usr/include/xengnttab.h")), "Xen headers not installed (Debian package libxen-dev)");
        Path shim = copy("qemu-shim.c");
        Path driver = copy("qemu-shim-grants.c");
        Path exe = tmp.resolve("grants");
        Peers.ok(gcc.toString(), "-O2", "-o", exe.toString(), driver.toString(), shim.toString(), "-lpthread");
        Map<String, Integer> got = new LinkedHashMap<>();
        for (String line : Peers.ok(exe.toString()).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2 && f[1].matches("-?\\d+")) {
                got.put(f[0], Integer.parseInt(f[1]));
            }
        }
        Map<String, Integer> want = new LinkedHashMap<>();
        want.put("read", GNTST_OKAY);
        want.put("read-data", 1);
        want.put("write", GNTST_OKAY);
        want.put("write-data", 1);
        want.put("write-readonly", GNTST_PERMISSION_DENIED);
        want.put("readonly-unchanged", 1);
        want.put("read-readonly", GNTST_OKAY);
        want.put("other-domain", GNTST_BAD_GNTREF);
        want.put("table-frame", GNTST_BAD_GNTREF);
        want.put("past-memory", GNTST_BAD_GNTREF);
        want.put("not-granted", GNTST_BAD_GNTREF);
        want.put("past-table", GNTST_BAD_GNTREF);
        want.put("crosses-page", GNTST_GENERAL_ERROR);
        want.put("both-foreign", GNTST_GENERAL_ERROR);
        want.put("in-use-after-copies", 0);
        want.put("mapped", 1);
        want.put("in-use-mapped", GTF_READING | GTF_WRITING);
        want.put("map-readonly-writable", EACCES);
        want.put("in-use-refused", 0);
        want.put("in-use-one-reader-left", GTF_READING);
        want.put("in-use-unmapped", 0);
        assertEquals(want, got);
    }

    private Path copy(String name) throws Exception {
        Path p = tmp.resolve(name);
        try (InputStream in = QemuShimGrantsTest.class.getResourceAsStream("/io/jrump/xen/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }
}
