package io.jrump.fs.tmpfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import java.nio.ByteBuffer;

/**
 * A regular file: its bytes in a {@link PageMap} of 4 KiB pages. Pages are allocated on first
 * write and counted against the file system's page budget; holes (never written, or past a
 * growing truncate) read as zeros and cost nothing. Shrinking frees whole pages past the new
 * end and zeroes the tail of the last one, so growing again shows zeros, not old data.
 */
final class TmpfsFile extends TmpfsNode {
    /** Largest file size: 1 PiB, far past any memory, and small enough that offsets never overflow. */
    static final long MAX_FILE_SIZE = 1L << 50;
    private static final int PAGE = Tmpfs.PAGE_SIZE;
    private static final int PAGE_SHIFT = 12;
    /** 512-byte units per page, for {@code st_blocks}. */
    private static final int SECTORS_PER_PAGE = PAGE / 512;

    private final PageMap pages = new PageMap();
    private volatile long size;

    TmpfsFile(Tmpfs fs, long ino, int perms, int uid, int gid) {
        super(fs, ino, FileMode.S_IFREG | perms, uid, gid, 1);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    long blocks() {
        return pages.count() * SECTORS_PER_PAGE;
    }

    @Override
    public int read(ByteBuffer dst, long offset) {
        touchAccessed();
        long end = size;
        if (offset >= end || !dst.hasRemaining()) {
            return 0;
        }
        int total = (int) Math.min(dst.remaining(), end - offset);
        long pos = offset;
        int left = total;
        while (left > 0) {
            int inPage = (int) (pos & (PAGE - 1));
            int n = Math.min(PAGE - inPage, left);
            byte[] page = pages.get(pos >>> PAGE_SHIFT);
            if (page != null) {
                dst.put(page, inPage, n);
            } else {
                zeroFill(dst, n);
            }
            pos += n;
            left -= n;
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws ErrnoException {
        if (!src.hasRemaining()) {
            return 0;
        }
        if (offset >= MAX_FILE_SIZE) {
            throw new ErrnoException(Errno.EFBIG);
        }
        long end = Math.min(offset + src.remaining(), MAX_FILE_SIZE);
        long pos = offset;
        while (pos < end) {
            long index = pos >>> PAGE_SHIFT;
            byte[] page = pages.get(index);
            if (page == null) {
                if (!fs.reservePage()) {
                    break;
                }
                page = new byte[PAGE];
                pages.put(index, page);
            }
            int inPage = (int) (pos & (PAGE - 1));
            int n = (int) Math.min(PAGE - inPage, end - pos);
            src.get(page, inPage, n);
            pos += n;
        }
        if (pos == offset) {
            throw new ErrnoException(Errno.ENOSPC);
        }
        if (pos > size) {
            size = pos;
        }
        touchModified();
        return (int) (pos - offset);
    }

    @Override
    public void truncate(long length) throws ErrnoException {
        if (length > MAX_FILE_SIZE) {
            throw new ErrnoException(Errno.EFBIG);
        }
        if (length < size) {
            long keep = (length + PAGE - 1) >>> PAGE_SHIFT;
            fs.releasePages(pages.removeFrom(keep));
            int inPage = (int) (length & (PAGE - 1));
            byte[] last = inPage == 0 ? null : pages.get(length >>> PAGE_SHIFT);
            if (last != null) {
                java.util.Arrays.fill(last, inPage, PAGE, (byte) 0);
            }
        }
        size = length;
        touchModified();
    }

    @Override
    void releaseData() {
        fs.releasePages(pages.removeFrom(0));
        size = 0;
    }

    private static void zeroFill(ByteBuffer dst, int n) {
        if (dst.hasArray()) {
            int p = dst.position();
            java.util.Arrays.fill(dst.array(), dst.arrayOffset() + p, dst.arrayOffset() + p + n, (byte) 0);
            dst.position(p + n);
        } else {
            for (int i = 0; i < n; i++) {
                dst.put((byte) 0);
            }
        }
    }
}
