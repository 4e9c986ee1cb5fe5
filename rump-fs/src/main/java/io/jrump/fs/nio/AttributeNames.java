package io.jrump.fs.nio;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Attributes by name, for {@code Files.getAttribute}, {@code readAttributes(path, "posix:*")}
 * and {@code setAttribute}: the {@code basic}, {@code owner} and {@code posix} views of
 * {@code java.nio.file.attribute}, and the {@code unix} view the JDK's Linux provider offers
 * (uid, gid, mode, ino, dev, rdev, nlink, ctime, on top of posix).
 */
final class AttributeNames {
    private static final Map<String, Function<RumpFileAttributes, Object>> BASIC = new LinkedHashMap<>();
    private static final Map<String, Function<RumpFileAttributes, Object>> OWNER = new LinkedHashMap<>();
    private static final Map<String, Function<RumpFileAttributes, Object>> POSIX = new LinkedHashMap<>();
    private static final Map<String, Function<RumpFileAttributes, Object>> UNIX = new LinkedHashMap<>();

    static {
        BASIC.put("lastModifiedTime", RumpFileAttributes::lastModifiedTime);
        BASIC.put("lastAccessTime", RumpFileAttributes::lastAccessTime);
        BASIC.put("creationTime", RumpFileAttributes::creationTime);
        BASIC.put("size", RumpFileAttributes::size);
        BASIC.put("isRegularFile", RumpFileAttributes::isRegularFile);
        BASIC.put("isDirectory", RumpFileAttributes::isDirectory);
        BASIC.put("isSymbolicLink", RumpFileAttributes::isSymbolicLink);
        BASIC.put("isOther", RumpFileAttributes::isOther);
        BASIC.put("fileKey", RumpFileAttributes::fileKey);
        OWNER.put("owner", RumpFileAttributes::owner);
        POSIX.putAll(BASIC);
        POSIX.put("permissions", RumpFileAttributes::permissions);
        POSIX.put("owner", RumpFileAttributes::owner);
        POSIX.put("group", RumpFileAttributes::group);
        UNIX.putAll(POSIX);
        UNIX.put("mode", RumpFileAttributes::unixMode);
        UNIX.put("ino", a -> a.stat().ino());
        UNIX.put("dev", a -> a.stat().dev());
        UNIX.put("rdev", a -> a.stat().rdev());
        UNIX.put("nlink", a -> (int) a.stat().nlink());
        UNIX.put("uid", a -> a.stat().uid());
        UNIX.put("gid", a -> a.stat().gid());
        UNIX.put("ctime", a -> FileTime.from(a.stat().ctime()));
    }

    private AttributeNames() {
    }

    /** The view named in {@code spec} ("posix:size" is "posix", "size" is "basic"). */
    static String view(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? "basic" : spec.substring(0, colon);
    }

    private static String names(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? spec : spec.substring(colon + 1);
    }

    private static Map<String, Function<RumpFileAttributes, Object>> table(String view) {
        return switch (view) {
            case "basic" -> BASIC;
            case "owner" -> OWNER;
            case "posix" -> POSIX;
            case "unix" -> UNIX;
            default -> throw new UnsupportedOperationException("attribute view '" + view + "' not supported (basic, owner, posix, unix)");
        };
    }

    static Map<String, Object> read(RumpFileAttributes attrs, String spec) {
        String view = view(spec);
        Map<String, Function<RumpFileAttributes, Object>> table = table(view);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names(spec).split(",")) {
            if (n.equals("*")) {
                table.forEach((k, f) -> out.put(k, f.apply(attrs)));
                continue;
            }
            Function<RumpFileAttributes, Object> f = table.get(n);
            if (f == null) {
                throw new IllegalArgumentException("'" + n + "' is not an attribute of the " + view + " view");
            }
            out.put(n, f.apply(attrs));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static void set(RumpAttributeView v, String spec, Object value) throws IOException {
        String view = view(spec);
        table(view); // unknown views fail here
        String name = names(spec);
        try {
            switch (name) {
                case "lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
                case "lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
                case "creationTime" -> v.setTimes(null, null, (FileTime) value);
                case "permissions" -> only(view, name, List.of("posix", "unix"), () -> v.setPermissions((Set<PosixFilePermission>) value));
                case "owner" -> only(view, name, List.of("owner", "posix", "unix"), () -> v.setOwner((UserPrincipal) value));
                case "group" -> only(view, name, List.of("posix", "unix"), () -> v.setGroup((GroupPrincipal) value));
                case "mode" -> only(view, name, List.of("unix"), () -> v.setMode((Integer) value));
                case "uid" -> only(view, name, List.of("unix"), () -> v.setIds((Integer) value, -1));
                case "gid" -> only(view, name, List.of("unix"), () -> v.setIds(-1, (Integer) value));
                default -> throw new IllegalArgumentException("'" + name + "' of the " + view + " view cannot be set");
            }
        } catch (ClassCastException e) {
            throw new ClassCastException(spec + ": wrong value type " + (value == null ? "null" : value.getClass().getName()));
        }
    }

    private interface Setter {
        void run() throws IOException;
    }

    private static void only(String view, String name, List<String> views, Setter setter) throws IOException {
        if (!views.contains(view)) {
            throw new IllegalArgumentException("'" + name + "' is not an attribute of the " + view + " view");
        }
        setter.run();
    }
}
