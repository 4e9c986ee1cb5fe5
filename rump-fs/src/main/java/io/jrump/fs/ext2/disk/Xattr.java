package io.jrump.fs.ext2.disk;

import java.util.Arrays;
import java.util.List;

/**
 * One extended attribute as ext2 stores it: the name index (which prefix: 1 {@code user.},
 * 4 {@code trusted.}, ...), the rest of the name, and the value. Compared by content, so that
 * a list read back from a block can be told apart from a changed one.
 */
public record Xattr(int index, byte[] name, byte[] value) {

    /** Whether this attribute has {@code index} and {@code name}. */
    public boolean is(int otherIndex, byte[] otherName) {
        return index == otherIndex && Arrays.equals(name, otherName);
    }

    /** Whether two lists hold the same attributes, with the same values, in the same order. */
    public static boolean sameList(List<Xattr> a, List<Xattr> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Xattr x = a.get(i);
            Xattr y = b.get(i);
            if (!x.is(y.index, y.name) || !Arrays.equals(x.value, y.value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The order Linux keeps a block's entries in ({@code ext2_xattr_set}'s search): by index,
     * then name length, then name bytes, so that equal sets make equal blocks.
     */
    public static int blockOrder(Xattr x, Xattr y) {
        if (x.index != y.index) {
            return Integer.compare(x.index, y.index);
        }
        if (x.name.length != y.name.length) {
            return Integer.compare(x.name.length, y.name.length);
        }
        return Arrays.compareUnsigned(x.name, y.name);
    }
}
