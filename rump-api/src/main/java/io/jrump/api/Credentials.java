package io.jrump.api;

import java.util.Arrays;

/** The user and groups a process runs as. */
public record Credentials(int uid, int gid, int[] groups) {
    public static final Credentials ROOT = new Credentials(0, 0, new int[0]);

    public Credentials {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative: " + uid + ":" + gid);
        }
        groups = groups.clone();
    }

    public static Credentials of(int uid, int gid) {
        return new Credentials(uid, gid, new int[0]);
    }

    public static Credentials of(int uid, int gid, int... groups) {
        return new Credentials(uid, gid, groups);
    }

    @Override
    public int[] groups() {
        return groups.clone();
    }

    public boolean isRoot() {
        return uid == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && c.uid == uid && c.gid == gid && Arrays.equals(c.groups, groups);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "uid=" + uid + " gid=" + gid + (groups.length == 0 ? "" : " groups=" + Arrays.toString(groups));
    }
}
