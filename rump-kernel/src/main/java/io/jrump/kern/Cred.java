package io.jrump.kern;

import io.jrump.api.Credentials;
import java.util.Arrays;

/**
 * The credentials a system call runs with (NetBSD's {@code kauth_cred_t}): real and effective
 * user and group, and the supplementary groups. Immutable; a process swaps its {@code Cred}
 * when {@code setuid}/{@code setgid} change it.
 */
public final class Cred {
    public static final Cred ROOT = new Cred(0, 0, 0, 0, new int[0]);

    private final int ruid;
    private final int rgid;
    private final int euid;
    private final int egid;
    private final int[] groups;

    public Cred(int ruid, int rgid, int euid, int egid, int[] groups) {
        this.ruid = ruid;
        this.rgid = rgid;
        this.euid = euid;
        this.egid = egid;
        this.groups = groups.clone();
    }

    public static Cred of(Credentials c) {
        return c.uid() == 0 && c.gid() == 0 && c.groups().length == 0 ? ROOT : new Cred(c.uid(), c.gid(), c.uid(), c.gid(), c.groups());
    }

    public int ruid() {
        return ruid;
    }

    public int rgid() {
        return rgid;
    }

    public int euid() {
        return euid;
    }

    public int egid() {
        return egid;
    }

    /** Root (effective uid 0) passes every permission check but execute-without-any-x-bit. */
    public boolean isSuperuser() {
        return euid == 0;
    }

    /** Whether {@code gid} is the effective group or a supplementary group. */
    public boolean inGroup(int gid) {
        if (gid == egid) {
            return true;
        }
        for (int g : groups) {
            if (g == gid) {
                return true;
            }
        }
        return false;
    }

    /** The same groups, but the real ids as effective ones: what {@code access(2)} checks with. */
    public Cred realAsEffective() {
        return ruid == euid && rgid == egid ? this : new Cred(ruid, rgid, ruid, rgid, groups);
    }

    public Cred withUid(int uid) {
        return new Cred(uid, rgid, uid, egid, groups);
    }

    public Cred withEuid(int uid) {
        return new Cred(ruid, rgid, uid, egid, groups);
    }

    public Cred withGid(int gid) {
        return new Cred(ruid, gid, euid, gid, groups);
    }

    public Cred withEgid(int gid) {
        return new Cred(ruid, rgid, euid, gid, groups);
    }

    public Credentials toCredentials() {
        return new Credentials(euid, egid, groups);
    }

    @Override
    public String toString() {
        return "Cred[ruid=" + ruid + ", euid=" + euid + ", rgid=" + rgid + ", egid=" + egid + ", groups=" + Arrays.toString(groups) + "]";
    }
}
