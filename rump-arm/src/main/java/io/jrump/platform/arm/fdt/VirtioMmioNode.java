package io.jrump.platform.arm.fdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A virtio-mmio transport a device tree describes (compatible {@code "virtio,mmio"}): its
 * register window ({@code reg}, read with the parent's {@code #address-cells} and
 * {@code #size-cells}) and its interrupt ({@code interrupts}, cells as the interrupt parent's
 * {@code #interrupt-cells} say; on a GIC, type, number and flags).
 *
 * @param path where it is in the tree
 * @param base the window's physical address
 * @param size the window's length
 * @param interrupts the raw interrupt specifier cells
 */
public record VirtioMmioNode(String path, long base, long size, int[] interrupts) {
    public static final String COMPATIBLE = "virtio,mmio";
    /** GIC interrupt specifier (Linux {@code arm,gic} binding): type 0 is an SPI, numbered from interrupt 32. */
    private static final int GIC_SPI = 0;
    private static final int GIC_SPI_BASE = 32;

    /** Every virtio-mmio node of the tree, in tree order; nodes whose {@code reg} cannot be read are left out. */
    public static List<VirtioMmioNode> find(DeviceTree tree) {
        List<VirtioMmioNode> out = new ArrayList<>();
        for (DeviceTree.Node n : tree.nodes()) {
            if (!n.strings("compatible").contains(COMPATIBLE) || "disabled".equals(first(n.strings("status")))) {
                continue;
            }
            DeviceTree.Node parent = n.parent() == null ? n : n.parent();
            int ac = parent.u32("#address-cells", 2);
            int sc = parent.u32("#size-cells", 1);
            int[] reg = n.cells("reg");
            if (reg == null || ac < 1 || ac > 2 || sc < 0 || sc > 2 || reg.length < ac + sc) {
                continue;
            }
            long base = join(reg, 0, ac);
            long size = join(reg, ac, sc);
            int[] irq = n.cells("interrupts");
            out.add(new VirtioMmioNode(n.path(), base, size, irq == null ? new int[0] : irq));
        }
        return out;
    }

    private static String first(List<String> l) {
        return l.isEmpty() ? null : l.get(0);
    }

    private static long join(int[] cells, int from, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = v << 32 | (cells[from + i] & 0xffffffffL);
        }
        return v;
    }

    /** The interrupt number on a GIC (SPI n is interrupt 32 + n), or -1 when the specifier is not a GIC SPI. */
    public int gicInterrupt() {
        return interrupts.length == 3 && interrupts[0] == GIC_SPI ? GIC_SPI_BASE + interrupts[1] : -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VirtioMmioNode v && v.path.equals(path) && v.base == base && v.size == size
                && Arrays.equals(v.interrupts, interrupts);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Long.hashCode(base);
    }

    @Override
    public String toString() {
        return String.format("%s reg 0x%x+0x%x interrupts %s", path, base, size, Arrays.toString(interrupts));
    }
}
