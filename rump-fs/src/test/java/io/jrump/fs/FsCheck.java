package io.jrump.fs;

import io.jrump.api.DirEntry;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A consistency check over the public calls, like a tiny fsck: walks the tree under a mount
 * point and checks that each directory lists "." and ".." with the right inode numbers,
 * that every name appears once, that entry types match lstat, that a directory's link count
 * is 2 plus its subdirectories, that each file's link count equals the names it has, and that
 * no directory is reachable twice (a cycle or a directory with two parents).
 */
public final class FsCheck {
    private final Syscalls sys;
    private final Map<Long, Integer> namesPerFile = new HashMap<>();
    private final Map<Long, Long> nlinkPerFile = new HashMap<>();
    private final Set<Long> dirsSeen = new HashSet<>();
    private int directories;

    private FsCheck(Syscalls sys) {
        this.sys = sys;
    }

    /** Checks the tree under {@code mountPoint}; returns the number of directories (the root included). Throws AssertionError on damage. */
    public static int check(Syscalls sys, String mountPoint) throws ErrnoException {
        FsCheck c = new FsCheck(sys);
        Stat root = sys.stat(mountPoint);
        c.walk(mountPoint, root, -1);
        for (Map.Entry<Long, Integer> e : c.namesPerFile.entrySet()) {
            long nlink = c.nlinkPerFile.get(e.getKey());
            if (nlink != e.getValue()) {
                throw new AssertionError("inode " + e.getKey() + ": nlink " + nlink + " but " + e.getValue() + " names");
            }
        }
        return c.directories;
    }

    private void walk(String path, Stat self, long parentIno) throws ErrnoException {
        if (!dirsSeen.add(self.ino())) {
            throw new AssertionError(path + ": directory inode " + self.ino() + " reached twice");
        }
        directories++;
        List<DirEntry> entries = sys.readdir(path);
        Set<String> names = new HashSet<>();
        int subdirs = 0;
        boolean dot = false;
        boolean dotdot = false;
        for (DirEntry e : entries) {
            if (!names.add(e.name())) {
                throw new AssertionError(path + ": name '" + e.name() + "' listed twice");
            }
            if (e.name().equals(".")) {
                dot = true;
                expect(e.ino() == self.ino(), path + ": '.' is inode " + e.ino() + ", not " + self.ino());
                continue;
            }
            if (e.name().equals("..")) {
                dotdot = true;
                expect(parentIno < 0 || e.ino() == parentIno, path + ": '..' is inode " + e.ino() + ", not " + parentIno);
                continue;
            }
            String child = path + "/" + e.name();
            Stat st = sys.lstat(child);
            expect(st.ino() == e.ino(), child + ": entry says inode " + e.ino() + ", lstat " + st.ino());
            expect(e.type() == FileMode.direntType(st.mode()), child + ": entry type " + e.type() + " but mode " + Integer.toOctalString(st.mode()));
            if (st.isDirectory()) {
                subdirs++;
                Stat dotdotStat = sys.lstat(child + "/..");
                expect(dotdotStat.ino() == self.ino(), child + "/.. is inode " + dotdotStat.ino() + ", not " + self.ino());
                walk(child, st, self.ino());
            } else {
                namesPerFile.merge(st.ino(), 1, Integer::sum);
                nlinkPerFile.put(st.ino(), st.nlink());
            }
        }
        expect(dot && dotdot, path + ": '.' or '..' missing");
        Stat again = sys.lstat(path);
        expect(again.nlink() == 2 + subdirs, path + ": nlink " + again.nlink() + " but " + subdirs + " subdirectories");
    }

    private static void expect(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
