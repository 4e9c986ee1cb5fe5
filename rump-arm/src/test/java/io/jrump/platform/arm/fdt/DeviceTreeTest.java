package io.jrump.platform.arm.fdt;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.testing.Peers;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DTB parser against the real device tree of QEMU's ARM virt machine, checked with dtc. */
class DeviceTreeTest {
    @TempDir
    Path dir;

    private Path qemuVirtDtb() throws Exception {
        Path qemu = Peers.require("qemu-system-aarch64", "qemu-system-arm");
        Path dtb = dir.resolve("virt.dtb");
        Peers.ok(qemu.toString(), "-machine", "virt,dumpdtb=" + dtb, "-cpu", "cortex-a57", "-nographic");
        return dtb;
    }

    @Test
    void findsQemuVirtTransportsAsDtcSeesThem() throws Exception {
        Path dtc = Peers.require("dtc", "device-tree-compiler");
        Path dtb = qemuVirtDtb();
        DeviceTree tree = DeviceTree.parse(Files.readAllBytes(dtb));
        List<VirtioMmioNode> found = VirtioMmioNode.find(tree);
        assertEquals(32, found.size(), found.toString());
        // what dtc decompiles: every virtio_mmio node's reg and interrupts
        String dts = Peers.ok(dtc.toString(), "-q", "-I", "dtb", "-O", "dts", dtb.toString());
        Pattern node = Pattern.compile("(virtio_mmio@[0-9a-f]+) \\{([^}]*)\\}");
        Pattern reg = Pattern.compile("reg = <([^>]*)>");
        Pattern irq = Pattern.compile("interrupts = <([^>]*)>");
        List<VirtioMmioNode> expected = new ArrayList<>();
        Matcher m = node.matcher(dts);
        while (m.find()) {
            long[] r = cells(reg, m.group(2));
            long[] i = cells(irq, m.group(2));
            int[] ii = new int[i.length];
            for (int k = 0; k < i.length; k++) {
                ii[k] = (int) i[k];
            }
            expected.add(new VirtioMmioNode("/" + m.group(1), r[0] << 32 | r[1], r[2] << 32 | r[3], ii));
        }
        assertEquals(32, expected.size());
        assertEquals(new java.util.HashSet<>(expected), new java.util.HashSet<>(found));
        // QEMU's virt board: 32 transports of 0x200 bytes from 0x0a000000, SPIs 16..47 (hw/arm/virt.c's memory map)
        for (VirtioMmioNode v : found) {
            int idx = (int) ((v.base() - 0x0a00_0000L) / 0x200);
            assertTrue(idx >= 0 && idx < 32, v.toString());
            assertEquals(0x200, v.size());
            assertEquals(48 + idx, v.gicInterrupt(), v.toString());
        }
        assertEquals("/", tree.root().path());
        assertTrue(tree.root().strings("compatible").contains("linux,dummy-virt"));
    }

    private static long[] cells(Pattern p, String body) {
        Matcher m = p.matcher(body);
        assertTrue(m.find(), body);
        String[] parts = m.group(1).trim().split("\\s+");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.decode(parts[i]);
        }
        return out;
    }

    @Test
    void damagedBlobsAreEinvalNeverExceptions() throws Exception {
        byte[] good = Files.readAllBytes(qemuVirtDtb());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> DeviceTree.parse(new byte[10])).errno());
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        assertTrue(assertThrows(ErrnoException.class, () -> DeviceTree.parse(badMagic)).getMessage().contains("magic"));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> DeviceTree.parse(truncated)).errno());
        // flip bytes inside the structure block: parse or EINVAL, nothing else
        int offStruct = ByteBuffer.wrap(good).getInt(8);
        int sizeStruct = ByteBuffer.wrap(good).getInt(36);
        Random rnd = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 4; k++) {
                b[offStruct + rnd.nextInt(sizeStruct)] = (byte) rnd.nextInt();
            }
            try {
                VirtioMmioNode.find(DeviceTree.parse(b));
            } catch (ErrnoException e) {
                assertEquals(Errno.EINVAL, e.errno());
            }
        }
    }
}
