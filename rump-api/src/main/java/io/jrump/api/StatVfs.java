package io.jrump.api;

/** What {@code statvfs} returns: the fields of {@code struct statvfs}; block counts are in units of {@code frsize}. */
public record StatVfs(
        long bsize,
        long frsize,
        long blocks,
        long bfree,
        long bavail,
        long files,
        long ffree,
        long favail,
        long fsid,
        long flag,
        long namemax,
        String fstype) {
}
