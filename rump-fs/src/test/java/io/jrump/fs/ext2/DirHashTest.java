package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.fs.ext2.disk.DirHash;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory hashes against e2fsprogs' ({@code debugfs dx_hash}): every algorithm, signed
 * and unsigned, with the default and an explicit seed, on names around the 16- and 32-byte
 * chunk boundaries, of 255 bytes, and with bytes above 0x7F (where signed and unsigned differ).
 */
class DirHashTest {
    @TempDir
    Path tmp;

    /** Names for messages; debugfs is given the numbers, as it knows only the signed names. */
    private static final String[] ALGORITHMS = {"legacy", "half_md4", "tea", "legacy_unsigned", "half_md4_unsigned", "tea_unsigned"};
    private static final String SEED = "01234567-89ab-cdef-fedc-ba9876543210";
    private static final Pattern HASH = Pattern.compile("Hash of (.*) is 0x([0-9a-f]+) \\(minor");

    private static List<String> names() {
        List<String> out = new ArrayList<>(List.of("a", "hello", "file_number_17", "déjà-vu", "ÿÿÿÿ\u00e9\u00e8"));
        for (int len : new int[] {15, 16, 17, 31, 32, 33, 64, 100, 255}) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < len; i++) {
                b.append((char) ('a' + (i * 7 + len) % 26));
            }
            out.add(b.toString());
        }
        return out;
    }

    /** s_hash_seed as the kernel reads it: the UUID's 16 bytes as four little-endian words. */
    private static int[] seedWords(String uuid) {
        byte[] b = new byte[16];
        String hex = uuid.replace("-", "");
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {bb.getInt(0), bb.getInt(4), bb.getInt(8), bb.getInt(12)};
    }

    @Test
    void hashesAgreeWithE2fsprogs() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("h.img"), "ext2", 1024, 1L << 20);
        int[] seed = seedWords(SEED);
        int checked = 0;
        for (int v = 0; v < ALGORITHMS.length; v++) {
            for (boolean seeded : new boolean[] {false, true}) {
                StringBuilder req = new StringBuilder();
                List<String> names = names();
                for (String n : names) {
                    req.append("dx_hash -h ").append(v).append(seeded ? " -s " + SEED : "").append(' ').append(n).append('\n');
                }
                Path cmds = tmp.resolve("cmds");
                java.nio.file.Files.writeString(cmds, req.toString(), StandardCharsets.UTF_8);
                E2fsprogs.Result r = E2fsprogs.run(List.of("debugfs", "-f", cmds.toString(), img.toString()));
                Matcher m = HASH.matcher(r.output());
                int i = 0;
                while (m.find()) {
                    String name = names.get(i++);
                    assertEquals(name, m.group(1), "debugfs answered in order");
                    int want = (int) Long.parseLong(m.group(2), 16);
                    int got = DirHash.hash(v, name.getBytes(StandardCharsets.UTF_8), seeded ? seed : new int[4]);
                    assertEquals(want, got, ALGORITHMS[v] + (seeded ? " seeded" : "") + " of '" + name + "'");
                    checked++;
                }
                assertEquals(names.size(), i, "debugfs hashed every name: " + r.output());
            }
        }
        assertTrue(checked >= 6 * 2 * 14, "hashes compared: " + checked);
    }

    @Test
    void unsignedFlagSelectsTheUnsignedVariant() {
        assertEquals(DirHash.HALF_MD4_UNSIGNED, DirHash.effectiveVersion(DirHash.HALF_MD4, DirHash.FLAG_UNSIGNED));
        assertEquals(DirHash.HALF_MD4, DirHash.effectiveVersion(DirHash.HALF_MD4, DirHash.FLAG_SIGNED));
        assertEquals(DirHash.TEA_UNSIGNED, DirHash.effectiveVersion(DirHash.TEA, DirHash.FLAG_UNSIGNED));
        assertEquals(6, DirHash.effectiveVersion(6, DirHash.FLAG_UNSIGNED), "siphash and unknown versions are left alone");
    }
}
