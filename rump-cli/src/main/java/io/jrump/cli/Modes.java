package io.jrump.cli;

import io.jrump.api.DeviceNumber;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;

/** File modes and stat results as {@code ls -l} shows them: {@code -rw-r--r--}, {@code drwxr-xr-x}. */
final class Modes {
    private Modes() {
    }

    /** The ten-character mode string of {@code ls -l}. */
    static String symbolic(int mode) {
        char[] s = new char[10];
        s[0] = switch (mode & FileMode.S_IFMT) {
            case FileMode.S_IFDIR -> 'd';
            case FileMode.S_IFLNK -> 'l';
            case FileMode.S_IFIFO -> 'p';
            case FileMode.S_IFSOCK -> 's';
            case FileMode.S_IFCHR -> 'c';
            case FileMode.S_IFBLK -> 'b';
            default -> '-';
        };
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s[i + 1] = (mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-';
        }
        s[3] = special(mode, FileMode.S_ISUID, 0100, 's', s[3]);
        s[6] = special(mode, FileMode.S_ISGID, 010, 's', s[6]);
        s[9] = special(mode, FileMode.S_ISVTX, 01, 't', s[9]);
        return new String(s);
    }

    private static char special(int mode, int bit, int execute, char set, char current) {
        if ((mode & bit) == 0) {
            return current;
        }
        return (mode & execute) != 0 ? set : Character.toUpperCase(set);
    }

    /** The size column of {@code ls -l}: the size, or a device node's {@code major, minor}. */
    static String sizeOrDevice(Stat st) {
        return st.isDevice() ? DeviceNumber.major(st.rdev()) + ", " + DeviceNumber.minor(st.rdev()) : Long.toString(st.size());
    }

    /** A stat result in one short line: {@code {-rw-r--r-- uid=0 gid=0 size=26 nlink=1 ino=3}}. */
    static String brief(Stat st) {
        return "{" + symbolic(st.mode()) + " uid=" + st.uid() + " gid=" + st.gid() + " size=" + st.size()
                + " nlink=" + st.nlink() + " ino=" + st.ino() + "}";
    }
}
