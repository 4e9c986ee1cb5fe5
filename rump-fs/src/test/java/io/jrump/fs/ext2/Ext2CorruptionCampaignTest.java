package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corruption is contained, never spread (issue 8, point 1): over 500 ext2 images, each a base
 * image (1 KiB and 4 KiB blocks, one group and several) with one seeded mutation of its
 * superblock, descriptors, bitmaps, inodes, indirect blocks or directory blocks, get the
 * {@link WriteSequence} through a read-write mount; {@code e2fsck -fn} after the writes must
 * report no problem it did not report before them ({@link FsckReport} says what "same
 * problem" means), an image it found clean must stay clean, and nothing but ErrnoException
 * may come out of the kernel. The counts are printed.
 *
 * <p>A failing case prints its seed and mutation; to rerun only it, with e2fsck's full output
 * before and after:
 * <pre>
 * mvn -B -ntp -pl rump-fs -am test -Dtest=Ext2CorruptionCampaignTest#campaign \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dext2.campaign.case=1k/37
 * </pre>
 * {@code -Dext2.campaign.seed=N} runs another campaign of the same size.
 */
class Ext2CorruptionCampaignTest {
    static final String CASE_PROPERTY = "ext2.campaign.case";
    /** The campaign's seed: each case's seed derives from it, its base image and its number. */
    private static final long SEED = Long.getLong("ext2.campaign.seed", 0x2026_0008L);
    /** Random cases per base image: 4 bases x 126 + the 16 repros = 520 mutated images. */
    private static final int CASES_PER_BASE = Integer.getInteger("ext2.campaign.cases", 126);
    /** Cases run at once: e2fsck runs and kernels of different cases overlap. */
    private static final int THREADS = 2;
    private static final long IMAGE_BYTES = 8L << 20;
    /** The files and directories the mutations aim at (all made by {@link HostTree} but small.txt). */
    private static final List<String> PATHS = List.of("/", "/lost+found", "/small.txt", "/empty", "/data-1", "/data-1023",
            "/data-4096", "/data-12289", "/data-307200", "/data-1126400", "/a", "/a/b", "/a/b/c", "/a/b/c/d",
            "/a/b/c/d/deep.txt", "/odd", "/odd/mode-640", "/long-link", "/short-link");

    @TempDir
    static Path tmp;

    /** A base image: mke2fs -d of the test tree, intact. */
    record Base(String name, int blockSize, byte[] bytes, ImageLayout layout) {
    }

    private static List<Base> bases;
    /**
     * Where the cases' images live: in memory (/dev/shm) when the host has it, since every
     * unmount flushes the image with fsync and 500 fsyncs on a shared disk cost more than the
     * campaign itself.
     */
    private static Path caseDir;

    @BeforeAll
    static void makeBaseImages() throws Exception {
        E2fsprogs.assumeAvailable();
        Path shm = Path.of("/dev/shm");
        caseDir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "ext2-campaign-") : tmp;
        Path tree = tmp.resolve("tree");
        HostTree.build(tree, false, false);
        Files.writeString(tree.resolve("small.txt"), "small\n");
        bases = new ArrayList<>();
        bases.add(base("1k", 1024, tree));
        bases.add(base("1k-4g", 1024, tree, "-g", "2048"));
        bases.add(base("4k", 4096, tree));
        bases.add(base("4k-2g", 4096, tree, "-g", "1024"));
    }

    @AfterAll
    static void removeCaseDir() throws IOException {
        if (caseDir != null && !caseDir.equals(tmp)) {
            try (java.util.stream.Stream<Path> files = Files.list(caseDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(caseDir);
        }
    }

    private static Base base(String name, int blockSize, Path tree, String... extra) throws Exception {
        // a fixed UUID and directory hash seed: the same image, and so the same cases, every run
        List<String> args = new ArrayList<>(List.of("-d", tree.toString(), "-U", "6f1d7a52-0008-4e2f-8a11-00000000000" + bases.size(),
                "-E", "hash_seed=6f1d7a52-0008-4e2f-8a11-0000000000a" + bases.size()));
        args.addAll(List.of(extra));
        Path img = E2fsprogs.mkfs(tmp.resolve("base-" + name + ".img"), "ext2", blockSize, IMAGE_BYTES, args.toArray(String[]::new));
        E2fsprogs.assertClean(img);
        byte[] bytes = Files.readAllBytes(img);
        return new Base(name, blockSize, bytes, ImageLayout.read(bytes, PATHS));
    }

    /** A case: which base, its id ("37", "repro-2", "none") and how it damages the image. */
    private record Plan(Base base, String id, long seed, java.util.function.Function<byte[], ImageMutator.Mutation> damage) {
    }

    private static List<Plan> plans() {
        List<Plan> out = new ArrayList<>();
        ImageMutator.Kind[] kinds = ImageMutator.Kind.values();
        for (int bi = 0; bi < bases.size(); bi++) {
            Base b = bases.get(bi);
            out.add(new Plan(b, "none", 0, img -> null));
            for (int r = 0; r < ImageMutator.REPROS.size(); r++) {
                String name = ImageMutator.REPROS.get(r);
                out.add(new Plan(b, "repro-" + r, 0, img -> ImageMutator.repro(b.layout(), img, name)));
            }
            Random seeds = new Random(SEED * 0x9E3779B97F4A7C15L + bi);
            for (int i = 0; i < CASES_PER_BASE; i++) {
                ImageMutator.Kind kind = kinds[i % kinds.length];
                long seed = seeds.nextLong();
                out.add(new Plan(b, Integer.toString(i), seed, img -> ImageMutator.mutate(b.layout(), img, kind, seed)));
            }
        }
        return out;
    }

    private static CampaignCase.Result run(Plan p) throws IOException, InterruptedException {
        Path img = caseDir.resolve("case-" + p.base().name() + "-" + p.id() + ".img");
        return CampaignCase.run(p.base().name(), p.base().blockSize(), p.id(), p.seed(), p.base().bytes(), img, p.damage(), null);
    }

    /** Runs one case again, printing e2fsck's reports and keeping the images before and after the writes under target/. */
    private static void reproduce(Plan p) throws IOException, InterruptedException {
        Path keep = Files.createDirectories(Path.of("target", "ext2-campaign"));
        String name = p.base().name() + "-" + p.id();
        byte[] damaged = p.base().bytes().clone();
        p.damage().apply(damaged);
        Files.write(keep.resolve(name + ".before.img"), damaged);
        CampaignCase.Result r = CampaignCase.run(p.base().name(), p.base().blockSize(), p.id(), p.seed(), p.base().bytes(),
                caseDir.resolve("case-" + name + ".img"), p.damage(), img -> {
                    try {
                        Files.copy(img, keep.resolve(name + ".after.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        System.out.println("e2fsck -fn before:\n" + r.before().raw() + "\ne2fsck -fn after:\n" + r.after().raw());
        System.out.println("images kept: " + keep.toAbsolutePath().resolve(name + ".before.img") + " and .after.img");
    }

    @Test
    void campaign() throws Exception {
        List<Plan> plans = plans();
        String only = System.getProperty(CASE_PROPERTY);
        if (only != null) {
            plans = plans.stream().filter(p -> (p.base().name() + "/" + p.id()).equals(only)).toList();
            assertEquals(1, plans.size(), "no case " + only);
        }
        CampaignTally tally = new CampaignTally();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long start = System.nanoTime();
        try {
            List<Future<CampaignCase.Result>> futures = new ArrayList<>();
            for (Plan p : plans) {
                futures.add(pool.submit(() -> run(p)));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    tally.add(futures.get(i).get(5, TimeUnit.MINUTES));
                } catch (TimeoutException e) {
                    throw new AssertionError("case " + plans.get(i).base().name() + "/" + plans.get(i).id() + " hangs", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (only != null) {
            reproduce(plans.get(0));
        }
        System.out.println(tally.report(Integer.getInteger("ext2.campaign.show", 40)));
        System.out.printf("  time: %.1f s on %d threads%n", (System.nanoTime() - start) / 1e9, THREADS);
        assertTrue(only != null || tally.size() >= 500, "at least 500 images: " + tally.size());
        assertEquals(List.of(), tally.failures().stream().map(CampaignCase.Result::describe).toList());
    }

    /** The write sequence succeeds whole on the intact images, and leaves them clean: the campaign's writes are real writes. */
    @Test
    void intactImagesTakeEveryWriteAndStayClean() throws Exception {
        for (Base b : bases) {
            CampaignCase.Result r = CampaignCase.run(b.name(), b.blockSize(), "none", 0, b.bytes(), tmp.resolve("intact.img"), img -> null, null);
            assertEquals(null, r.mountErrno(), b.name());
            assertTrue(r.steps().values().stream().allMatch("ok"::equals), b.name() + ": " + r.steps());
            assertTrue(r.after().clean(), b.name() + ":\n" + r.after().raw());
            assertEquals(null, r.unexpected(), b.name());
        }
    }

    /** Writes file data over the inode table block holding the test files' inodes, as a spreading driver would. */
    private static void scribbleOnInodeTable(Base b, Path image) {
        long ino = b.layout().files.get("/data-307200").ino();
        long block = b.layout().inodeOffset(ino) / b.blockSize();
        byte[] data = new byte[b.blockSize()];
        new Random(1).nextBytes(data);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(block * b.blockSize());
            f.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The comparison can fail: file data written over the inode table between the two checks
     * is a new problem, on an intact image and on images already damaged (a zeroed block
     * bitmap, whose report lists every block in use; a pointer into the inode table).
     */
    @Test
    void dataWrittenOverTheInodeTableIsANewProblem() throws Exception {
        for (Base b : bases) {
            for (String repro : List.of("", ImageMutator.REPROS.get(2), ImageMutator.REPROS.get(0))) {
                CampaignCase.Result r = CampaignCase.run(b.name(), b.blockSize(), "self-check", 0, b.bytes(), tmp.resolve("self.img"),
                        img -> repro.isEmpty() ? null : ImageMutator.repro(b.layout(), img, repro), img -> scribbleOnInodeTable(b, img));
                assertFalse(r.fresh().isEmpty(), b.name() + " " + repro + ": the scribble is not seen as new:\n" + r.after().raw());
                assertTrue(r.failed());
            }
        }
    }

    /**
     * Another writer that trusts a bitmap with a used block marked free (debugfs, as any
     * allocator without a cross-check would) hands that block to a new file: the campaign
     * sees the now shared block as new problems.
     */
    @Test
    void aBlockHandedOutTwiceIsANewProblem() throws Exception {
        Base b = bases.get(0);
        long used = b.layout().files.get("/data-307200").data().get(3);
        ImageLayout.Group g = b.layout().groups.get(0);
        Path img = tmp.resolve("twice.img");
        byte[] bytes = b.bytes().clone();
        long bit = used - g.start();
        bytes[(int) (g.blockBitmap() * b.blockSize() + bit / 8)] &= (byte) ~(1 << (bit % 8));
        Files.write(img, bytes);
        FsckReport before = CampaignCase.fsck(img);
        Path data = tmp.resolve("twice.bin");
        byte[] content = new byte[40_000];
        new Random(2).nextBytes(content);
        Files.write(data, content);
        E2fsprogs.Result w = E2fsprogs.run(List.of("debugfs", "-w", "-R", "write " + data + " newfile", img.toString()));
        assertEquals(0, w.exit(), w.output());
        FsckReport after = CampaignCase.fsck(img);
        assertTrue(after.newSince(before).stream().anyMatch(p -> p.key().startsWith("multiply-claimed: inode ") && p.key().endsWith(" block " + used)),
                after.newSince(before) + "\n" + after.raw());
    }
}
