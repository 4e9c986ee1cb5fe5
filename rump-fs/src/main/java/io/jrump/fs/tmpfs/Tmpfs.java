package io.jrump.fs.tmpfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.Vnode;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One tmpfs instance: its root, its budgets of data pages and inodes (ENOSPC when either runs
 * out), inode numbers and the clock. Everything lives on the Java heap, so unmounting is
 * forgetting: the garbage collector takes the nodes once no open file refers to them.
 */
final class Tmpfs extends FileSystem {
    static final int PAGE_SIZE = 4096;
    /** The root's inode number, 2 as in UFS and ext2, so tools that expect it are not surprised. */
    private static final long ROOT_INO = 2;
    private static final long NANOS = 1_000_000_000L;

    private final SpaceLimit pages;
    private final SpaceLimit nodes;
    private final AtomicLong nextIno = new AtomicLong(ROOT_INO);
    private final LongSupplier clock;
    private final TmpfsDir root;

    Tmpfs(long maxPages, long maxNodes, int rootPerms, int uid, int gid, LongSupplier clock) throws ErrnoException {
        this.pages = new SpaceLimit(maxPages);
        this.nodes = new SpaceLimit(maxNodes);
        this.clock = clock;
        this.root = new TmpfsDir(this, allocateNode(), rootPerms, uid, gid, null);
    }

    @Override
    public Vnode root() {
        return root;
    }

    @Override
    public StatVfs statvfs() {
        long usedPages = pages.used();
        long totalPages = pages.isUnlimited() ? usedPages + heapPagesLeft() : pages.limit();
        long freePages = Math.max(0, totalPages - usedPages);
        long usedNodes = nodes.used();
        long totalNodes = nodes.isUnlimited() ? usedNodes + freePages : nodes.limit();
        long freeNodes = Math.max(0, totalNodes - usedNodes);
        return new StatVfs(PAGE_SIZE, PAGE_SIZE, totalPages, freePages, freePages, totalNodes, freeNodes, freeNodes,
                0, 0, 255, "tmpfs");
    }

    @Override
    public void unmount(boolean force) {
        // memory only: nothing to write back; the nodes go with the last reference to them
    }

    Instant now() {
        long nanos = clock.getAsLong();
        return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
    }

    /** Takes an inode from the budget and returns its number; ENOSPC when none is left. */
    long allocateNode() throws ErrnoException {
        if (!nodes.tryReserve(1)) {
            throw new ErrnoException(Errno.ENOSPC, "tmpfs: out of inodes");
        }
        return nextIno.getAndIncrement();
    }

    void releaseNode() {
        nodes.release(1);
    }

    boolean reservePage() {
        return pages.tryReserve(1);
    }

    void releasePages(long n) {
        if (n > 0) {
            pages.release(n);
        }
    }

    /** What an unlimited tmpfs could still grow by: the heap the JVM may yet use. */
    private static long heapPagesLeft() {
        Runtime rt = Runtime.getRuntime();
        return Math.max(0, rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())) / PAGE_SIZE;
    }
}
