package io.jrump.platform.arm.fdt;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A flattened device tree (DTB) parsed into nodes, after the Devicetree Specification v0.4,
 * chapter 5: a big-endian header, a structure block of tokens (BEGIN_NODE with a name,
 * PROP with a length and a name offset, END_NODE, NOP, END), and a strings block of property
 * names. This is how an ARM virt machine (QEMU, crosvm) tells its guest where the virtio-mmio
 * transports are.
 *
 * <p>A DTB comes from outside ({@code /sys/firmware/fdt}, a file), so every offset and length is
 * checked against its block: a bad one is EINVAL naming what, never an exception. Depth and
 * node count are bounded, so a hostile blob cannot exhaust the stack or the heap.
 */
public final class DeviceTree {
    /** Header fields (5.2) and structure tokens (5.4.1). */
    static final int MAGIC = 0xd00dfeed;
    static final int HEADER_SIZE = 40;
    static final int FDT_BEGIN_NODE = 1;
    static final int FDT_END_NODE = 2;
    static final int FDT_PROP = 3;
    static final int FDT_NOP = 4;
    static final int FDT_END = 9;
    /** The oldest structure version whose layout this parser reads (16 and 17 share it). */
    static final int LAST_COMP_VERSION = 16;
    private static final int MAX_DEPTH = 64;
    private static final int MAX_NODES = 100_000;

    /** One node: its name ("virtio_mmio@a000000"), properties in order, children. */
    public static final class Node {
        private final String name;
        private final Node parent;
        private final Map<String, byte[]> props = new LinkedHashMap<>();
        private final List<Node> children = new ArrayList<>();

        Node(String name, Node parent) {
            this.name = name;
            this.parent = parent;
        }

        public String name() {
            return name;
        }

        public Node parent() {
            return parent;
        }

        public List<Node> children() {
            return Collections.unmodifiableList(children);
        }

        public Map<String, byte[]> properties() {
            return Collections.unmodifiableMap(props);
        }

        /** The value of a property, or null. */
        public byte[] property(String prop) {
            return props.get(prop);
        }

        /** A string-list property ("compatible") as its strings. */
        public List<String> strings(String prop) {
            byte[] v = props.get(prop);
            List<String> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            int start = 0;
            for (int i = 0; i < v.length; i++) {
                if (v[i] == 0) {
                    out.add(new String(v, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return out;
        }

        /** A property of big-endian 32-bit cells, or null. */
        public int[] cells(String prop) {
            byte[] v = props.get(prop);
            if (v == null || v.length % 4 != 0) {
                return null;
            }
            int[] c = new int[v.length / 4];
            ByteBuffer b = ByteBuffer.wrap(v);
            for (int i = 0; i < c.length; i++) {
                c[i] = b.getInt();
            }
            return c;
        }

        /** A one-cell property, or {@code dflt}. */
        public int u32(String prop, int dflt) {
            int[] c = cells(prop);
            return c == null || c.length != 1 ? dflt : c[0];
        }

        /** The path from the root ("/virtio_mmio@a000000"). */
        public String path() {
            if (parent == null) {
                return "/";
            }
            String p = parent.path();
            return (p.equals("/") ? "" : p) + "/" + name;
        }

        @Override
        public String toString() {
            return path();
        }
    }

    private final Node root;
    private final int version;

    private DeviceTree(Node root, int version) {
        this.root = root;
        this.version = version;
    }

    public Node root() {
        return root;
    }

    public int version() {
        return version;
    }

    /** Every node, depth first, root first. */
    public List<Node> nodes() {
        List<Node> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Node n, List<Node> out) {
        out.add(n);
        for (Node c : n.children) {
            collect(c, out);
        }
    }

    /** The node with this {@code phandle}, or null. */
    public Node byPhandle(int phandle) {
        for (Node n : nodes()) {
            if (n.u32("phandle", -1) == phandle || n.u32("linux,phandle", -1) == phandle) {
                return n;
            }
        }
        return null;
    }

    /**
     * Parses a DTB.
     *
     * @throws ErrnoException EINVAL naming what is malformed
     */
    public static DeviceTree parse(byte[] blob) throws ErrnoException {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.BIG_ENDIAN);
        if (blob.length < HEADER_SIZE) {
            throw bad("blob of " + blob.length + " bytes is shorter than the header");
        }
        if (b.getInt(0) != MAGIC) {
            throw bad(String.format("magic 0x%08x is not 0xd00dfeed", b.getInt(0)));
        }
        long total = b.getInt(4) & 0xffffffffL;
        long offStruct = b.getInt(8) & 0xffffffffL;
        long offStrings = b.getInt(12) & 0xffffffffL;
        int version = b.getInt(20);
        int lastComp = b.getInt(24);
        long sizeStrings = b.getInt(32) & 0xffffffffL;
        long sizeStruct = b.getInt(36) & 0xffffffffL;
        if (total > blob.length) {
            throw bad("totalsize " + total + " is past the " + blob.length + " bytes given");
        }
        if (version < LAST_COMP_VERSION || lastComp > LAST_COMP_VERSION + 1) {
            throw bad("version " + version + " (compatible with " + lastComp + ") is not readable as version 16/17");
        }
        if (offStruct + sizeStruct > total || offStrings + sizeStrings > total) {
            throw bad("structure or strings block past totalsize");
        }
        ByteBuffer st = b.slice((int) offStruct, (int) sizeStruct).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer strs = b.slice((int) offStrings, (int) sizeStrings);
        Node root = null;
        Node cur = null;
        int depth = 0;
        int nodes = 0;
        while (true) {
            if (st.remaining() < 4) {
                throw bad("structure block ends without FDT_END");
            }
            int token = st.getInt();
            switch (token) {
                case FDT_BEGIN_NODE -> {
                    String name = cstring(st, "node name");
                    align(st);
                    if (++depth > MAX_DEPTH || ++nodes > MAX_NODES) {
                        throw bad("more than " + MAX_DEPTH + " levels or " + MAX_NODES + " nodes");
                    }
                    Node n = new Node(name, cur);
                    if (cur == null) {
                        if (root != null) {
                            throw bad("a second root node");
                        }
                        root = n;
                    } else {
                        cur.children.add(n);
                    }
                    cur = n;
                }
                case FDT_END_NODE -> {
                    if (cur == null) {
                        throw bad("FDT_END_NODE outside any node");
                    }
                    cur = cur.parent;
                    depth--;
                }
                case FDT_PROP -> {
                    if (cur == null || st.remaining() < 8) {
                        throw bad("property outside a node or truncated");
                    }
                    long len = st.getInt() & 0xffffffffL;
                    long nameOff = st.getInt() & 0xffffffffL;
                    if (len > st.remaining()) {
                        throw bad("property of " + len + " bytes past the structure block in " + cur.path());
                    }
                    if (nameOff >= sizeStrings) {
                        throw bad("property name offset " + nameOff + " past the strings block in " + cur.path());
                    }
                    byte[] v = new byte[(int) len];
                    st.get(v);
                    align(st);
                    cur.props.put(cstring(strs.position((int) nameOff), "property name"), v);
                }
                case FDT_NOP -> {
                }
                case FDT_END -> {
                    if (cur != null || root == null) {
                        throw bad("FDT_END inside a node, or no root");
                    }
                    return new DeviceTree(root, version);
                }
                default -> throw bad("unknown token " + token + " at offset " + (st.position() - 4));
            }
        }
    }

    private static String cstring(ByteBuffer b, String what) throws ErrnoException {
        int start = b.position();
        for (int i = start; i < b.limit(); i++) {
            if (b.get(i) == 0) {
                byte[] s = new byte[i - start];
                b.get(s);
                b.get();
                return new String(s, StandardCharsets.UTF_8);
            }
        }
        throw bad(what + " without its terminating NUL");
    }

    private static void align(ByteBuffer b) throws ErrnoException {
        int p = (b.position() + 3) & ~3;
        if (p > b.limit()) {
            throw bad("structure block ends inside padding");
        }
        b.position(p);
    }

    private static ErrnoException bad(String what) {
        return new ErrnoException(Errno.EINVAL, "dtb: " + what);
    }
}
