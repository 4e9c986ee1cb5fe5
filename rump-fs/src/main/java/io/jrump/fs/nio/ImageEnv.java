package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.fs.vfs.MountOptions;
import java.util.Map;
import java.util.Set;

/**
 * The environment map of {@code FileSystems.newFileSystem} for an image, read once:
 * <ul>
 *   <li>{@code create}: make the image (and its file system) when the file does not exist;</li>
 *   <li>{@code type}: the file system type: to make, or to mount instead of recognising it;</li>
 *   <li>{@code size}: the size of an image to make, in bytes ("64m", "1g" or a number;
 *       default {@value #DEFAULT_SIZE_TEXT});</li>
 *   <li>{@code readOnly}: mount read-only (the image file is then opened for reading only);</li>
 *   <li>{@code partition}: open partition N of a whole-disk image (MBR or GPT);</li>
 *   <li>{@code wait}: while another opener holds the image (read-write, or any opener when this
 *       one writes), wait for it to close the image instead of failing with EBUSY.</li>
 * </ul>
 * Values may be strings or the natural type (Boolean, Number). Unknown keys are refused, so a
 * misspelt {@code readonly} does not silently open an image for writing.
 */
record ImageEnv(boolean create, String type, long size, boolean readOnly, int partition, boolean waitForLock) {
    private static final String DEFAULT_SIZE_TEXT = "64m";
    private static final long DEFAULT_SIZE = 64L << 20;
    /** The type {@code create} makes when none is named. */
    static final String DEFAULT_TYPE = "ext2";
    private static final Set<String> KEYS = Set.of("create", "type", "size", "readOnly", "partition", "wait");

    static ImageEnv parse(Map<String, ?> env) {
        for (String k : env.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown environment key '" + k + "' (known: create, type, size, readOnly, partition, wait)");
            }
        }
        Object type = env.get("type");
        return new ImageEnv(bool(env, "create"), type == null ? null : type.toString(), size(env.get("size")),
                bool(env, "readOnly"), partition(env.get("partition")), bool(env, "wait"));
    }

    private static boolean bool(Map<String, ?> env, String key) {
        Object v = env.get(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException(key + ": expected true or false, got '" + s + "'");
    }

    private static long size(Object v) {
        if (v == null) {
            return DEFAULT_SIZE;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return MountOptions.parseSize("size", v.toString());
        } catch (ErrnoException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static int partition(Object v) {
        if (v == null) {
            return 0;
        }
        int n = v instanceof Number num ? num.intValue() : Integer.parseInt(v.toString());
        if (n < 0) {
            throw new IllegalArgumentException("partition: must be 0 (whole disk) or a partition number, got " + n);
        }
        return n;
    }
}
