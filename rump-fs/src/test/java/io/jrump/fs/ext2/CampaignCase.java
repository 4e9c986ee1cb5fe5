package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FileBlockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One case of the corruption campaign: an image (a base image with one mutation, or none) is
 * checked with {@code e2fsck -fn}, mounted read-write by a fresh kernel, given the
 * {@link WriteSequence}, unmounted, and checked again (where {@code -fn} stops early, also with
 * {@code -fy} on scratch copies). The case fails if the second check
 * reports a problem the first did not, if an image e2fsck found clean is not clean after, or
 * if anything but an {@link ErrnoException} came out of the kernel.
 */
final class CampaignCase {
    /** What happened; {@code mountErrno} is null when the mount succeeded. */
    record Result(String base, int blockSize, String id, long seed, ImageMutator.Mutation mutation, String mountErrno,
            Map<String, String> steps, FsckReport before, FsckReport after, Set<FsckReport.Problem> fresh, boolean repairChecked,
            Throwable unexpected) {
        /** A clean image that is not clean after the writes. */
        boolean lostCleanliness() {
            return before.clean() && !after.clean();
        }

        boolean failed() {
            return !fresh.isEmpty() || lostCleanliness() || unexpected != null;
        }

        String kind() {
            return mutation == null ? "NONE" : mutation.kind().name();
        }

        String describe() {
            return base + "/" + id + " seed=" + seed + " " + (mutation == null ? "unmutated" : mutation.kind() + ": " + mutation.description());
        }
    }

    private CampaignCase() {
    }

    /**
     * Runs one case on a copy of {@code base} at {@code image}; {@code damage} mutates the
     * copy's bytes and returns what it did (null for none); {@code between} runs after the
     * writes and before the second check (the self-checks use it to spread damage on purpose).
     */
    static Result run(String baseName, int blockSize, String id, long seed, byte[] base, Path image,
            java.util.function.Function<byte[], ImageMutator.Mutation> damage, Consumer<Path> between)
            throws IOException, InterruptedException {
        byte[] img = base.clone();
        ImageMutator.Mutation m = damage.apply(img);
        Files.write(image, img);
        Path scratch = image.resolveSibling(image.getFileName() + ".fy");
        try {
            FsckReport before = fsck(image);
            FsckReport beforeRepaired = before.exit() >= 8 ? stableRepairReport(image, scratch) : null;
            String mountErrno = null;
            Map<String, String> steps = Map.of();
            Throwable unexpected = null;
            try {
                FileBlockDevice dev = FileBlockDevice.open(image, false);
                try (RumpKernel k = Rump.builder().component("vfs").device("disk0", dev).boot()) {
                    Syscalls sys = k.sys();
                    sys.mkdir("/mnt", 0755);
                    try {
                        sys.mount("disk0", "/mnt", "ext2", 0, null);
                    } catch (ErrnoException e) {
                        mountErrno = e.errno().name();
                    }
                    if (mountErrno == null) {
                        steps = new java.util.LinkedHashMap<>(WriteSequence.run(sys, "/mnt"));
                        try {
                            sys.unmount("/mnt", 0);
                            steps.put("unmount", "ok");
                        } catch (ErrnoException e) {
                            steps.put("unmount", e.errno().name());
                        }
                    }
                } finally {
                    dev.close();
                }
            } catch (ErrnoException e) {
                if (steps.isEmpty()) {
                    unexpected = e; // opening the device, booting or mkdir on the kernel's root: not the image's doing
                } else {
                    steps.put("kernel close", e.errno().name());
                }
            } catch (RuntimeException | Error e) {
                unexpected = e;
            }
            if (between != null) {
                between.accept(image);
            }
            FsckReport after = fsck(image);
            Set<FsckReport.Problem> fresh = new java.util.TreeSet<>(after.newSince(before));
            // the repairing runs are not deterministic on every wreck: compare them only if the writes changed the image
            if (beforeRepaired != null && !java.util.Arrays.equals(img, Files.readAllBytes(image))) {
                Set<FsckReport.Problem> repaired = new java.util.TreeSet<>(repairReport(image, scratch).newSince(beforeRepaired));
                repaired.retainAll(repairReport(image, scratch).newSince(beforeRepaired));
                fresh.addAll(repaired);
            }
            return new Result(baseName, blockSize, id, seed, m, mountErrno, steps, before, after, fresh, beforeRepaired != null, unexpected);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * The repairing run's report if two runs on the image agree, else null. On a wrecked image
     * (an inode table moved onto other blocks) e2fsck 1.47's repairs are not the same from
     * run to run, and a report that changes by itself cannot tell what the writes did; for the
     * same reason a problem counts as new after the writes only if two runs both report it.
     */
    private static FsckReport stableRepairReport(Path image, Path scratch) throws IOException, InterruptedException {
        FsckReport first = repairReport(image, scratch);
        return first.problems().equals(repairReport(image, scratch).problems()) ? first : null;
    }

    /**
     * {@code e2fsck -fy} on a scratch copy: for an image on which {@code -fn} stops early
     * (a directory it may not salvage aborts it), the repairing run goes through every pass,
     * so the problems after the stop are compared too. The image itself is not touched.
     */
    static FsckReport repairReport(Path image, Path scratch) throws IOException, InterruptedException {
        Files.copy(image, scratch, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return FsckReport.of(E2fsprogs.runApart(List.of("e2fsck", "-fy", scratch.toString())), scratch.toString());
    }

    static FsckReport fsck(Path image) throws IOException, InterruptedException {
        return FsckReport.of(E2fsprogs.runApart(List.of("e2fsck", "-fn", image.toString())), image.toString());
    }
}
