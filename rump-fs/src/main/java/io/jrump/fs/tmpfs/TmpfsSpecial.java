package io.jrump.fs.tmpfs;

/**
 * A FIFO, socket or device node: a name and attributes, no data. The device number is kept
 * as given (a {@link io.jrump.api.DeviceNumber}), so any major and minor survive.
 */
final class TmpfsSpecial extends TmpfsNode {
    private final long rdev;

    TmpfsSpecial(Tmpfs fs, long ino, int mode, long rdev, int uid, int gid) {
        super(fs, ino, mode, uid, gid, 1);
        this.rdev = rdev;
    }

    @Override
    public long size() {
        return 0;
    }

    @Override
    long rdev() {
        return rdev;
    }
}
