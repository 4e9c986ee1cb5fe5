package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The e2fsck report reduction on real {@code e2fsck -fn} output (e2fsprogs 1.47.0, kept under
 * {@code fsck-samples/}: an 8 MiB ext2 image with 1 KiB blocks, mutated by debugfs as each
 * sample's name says, checked as {@code m.img}; {@code *-after} samples are the same image
 * after further writes by debugfs).
 */
class FsckReportTest {
    private static FsckReport sample(String name) {
        return FsckReport.parse(name.equals("clean") ? 0 : 4, read(name + ".out"), read(name + ".err"), "m.img");
    }

    private static String read(String file) {
        try (InputStream in = FsckReportTest.class.getResourceAsStream("fsck-samples/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> keys(FsckReport r) {
        return r.problems().stream().map(FsckReport.Problem::key).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> newKeys(FsckReport after, FsckReport before) {
        return after.newSince(before).stream().map(FsckReport.Problem::key).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void cleanReportHasNoProblems() {
        FsckReport r = sample("clean");
        assertTrue(r.clean(), keys(r).toString());
        assertEquals(0, r.ignored());
    }

    @Test
    void aBlockPointerOnTheInodeTableIsOneSharedBlockAndOneLeakedBlock() {
        assertEquals(Set.of("multiply-claimed: inode 17 block 36", "block bitmap - 1941"), keys(sample("block0-itable")));
    }

    @Test
    void multiplyClaimedListsAreSplitPerInodeAndBlockAndLibraryWarningsKept() {
        Set<String> k = keys(sample("ind-gdt"));
        for (long b : new long[] {2, 34, 35, 36, 4}) {
            assertTrue(k.contains("multiply-claimed: inode 14 block " + b), k.toString());
        }
        assertTrue(k.contains("multiply-claimed: inode 7 block 4"), k.toString());
        assertTrue(k.contains("Inode 14 block 2 conflicts with critical metadata, skipping block checks."), k.toString());
        assertTrue(k.contains("Inode 14, i_blocks is #, should be #."), k.toString());
        assertTrue(k.contains("Illegal block number passed to ext2fs_test_block_bitmap #133109866 for multiply claimed block map"), k.toString());
        assertEquals(257, k.stream().filter(s -> s.startsWith("block bitmap - ")).count(), "-(576--832) expanded");
        assertFalse(k.stream().anyMatch(s -> s.contains("Pass ") || s.contains("mod time") || s.contains("IMG")
                || s.contains("Clone") || s.contains("filesystem metadata") || s.contains("There are")), k.toString());
    }

    @Test
    void countsAndPaddingAreConsequencesNotProblems() {
        FsckReport r = sample("bg-bitmap-itable");
        Set<String> k = keys(r);
        assertEquals(3, r.ignored(), "two free blocks counts and the padding");
        assertTrue(k.contains("Group 0's block bitmap at # conflicts with some other fs block."), k.toString());
        assertTrue(k.contains("ext2fs_check_desc: Corrupt group descriptor: bad block for inode table"), k.toString());
        assertTrue(k.contains("block bitmap + 1") && k.contains("block bitmap + 33") && k.contains("block bitmap - 3231"), k.toString());
        assertFalse(k.stream().anyMatch(s -> s.startsWith("Free") || s.startsWith("Padding")), k.toString());
        FsckReport counts = sample("bg-free-count");
        assertTrue(counts.problems().isEmpty(), keys(counts).toString());
        assertEquals(1, counts.ignored());
    }

    @Test
    void zeroedBitmapsAreOneProblemPerBlockOrInode() {
        Set<String> blocks = keys(sample("zero-bbitmap"));
        assertEquals(1941, blocks.size());
        assertTrue(blocks.contains("block bitmap + 1") && blocks.contains("block bitmap + 1941"));
        Set<String> inodes = keys(sample("zero-ibitmap"));
        assertEquals(17, inodes.size(), inodes.toString());
        assertTrue(inodes.contains("inode bitmap + 17"));
    }

    @Test
    void namesAndNamingNumbersStayMeasuringNumbersGo() {
        assertEquals(Set.of("Entry 'small.txt' in / (2) has deleted/unused inode 17.", "Deleted inode 17 has zero dtime.",
                "block bitmap - 1941", "inode bitmap - 17"), keys(sample("links-zero")));
        Set<String> k = keys(sample("dir-mode-reg"));
        assertTrue(k.contains("Entry 'a' in / (2) has an incorrect filetype (was #, should be #)."), k.toString());
        assertTrue(k.contains("Unconnected directory inode 13 (was in <12>)"), k.toString());
        assertTrue(k.contains("reference count of inode 12"), k.toString());
        assertTrue(k.contains("reference count of inode 15"), k.toString());
        Set<String> past = keys(sample("block-past-end"));
        assertTrue(past.contains("Illegal block #5 (99999) in inode 16.  IGNORED."), past.toString());
        assertTrue(past.contains("Inode 16 has illegal block(s)."), past.toString());
        assertEquals(Set.of("Entry 'data-300k' in /a-# (12) has deleted/unused inode 17."), keys(FsckReport.parse(4,
                "Entry 'data-300k' in /a-1 (12) has deleted/unused inode 17.  Clear? no\n", "", "x.img")));
        assertEquals("Superblock last mount time (TIME, now = TIME) is in the future.",
                FsckReport.template("Superblock last mount time (Sat Dec  5 12:34:41 2026, now = Sat Jan  3 01:02:03 2026) is in the future."));
    }

    @Test
    void sameProblemsWithOtherValuesAreNotNew() {
        assertEquals(Set.of(), newKeys(sample("size-small-after"), sample("size-small")));
        assertEquals(Set.of(), newKeys(sample("bg-free-count-after"), sample("bg-free-count")));
        assertFalse(sample("size-small").problems().isEmpty());
    }

    @Test
    void aWriteThatSharesAFreedBlockIsNew() {
        FsckReport before = sample("freed-used-block");
        assertEquals(Set.of("block bitmap + 600"), keys(before));
        assertEquals(Set.of("multiply-claimed: inode 14 block 600", "multiply-claimed: inode 18 block 600"),
                newKeys(sample("freed-used-block-after-write"), before));
    }

    @Test
    void aLinksCountWrongInEitherWayIsOneProblem() {
        FsckReport before = FsckReport.parse(4, "Inode 16 ref count is 2, should be 1.  Fix? no\n", "", "x.img");
        FsckReport after = FsckReport.parse(4, "Unattached inode 16\nConnect to /lost+found? no\n"
                + "Unattached zero-length inode 17.  Clear? no\n", "", "x.img");
        assertEquals(Set.of("reference count of inode 17"), newKeys(after, before));
    }

    @Test
    void htreeProblemsAreOnePerInode() {
        FsckReport before = FsckReport.parse(4, "Problem in HTREE directory inode 22: block #1 not referenced\n", "", "x.img");
        FsckReport after = FsckReport.parse(4, "Problem in HTREE directory inode 22: block #13 not referenced\n"
                + "Problem in HTREE directory inode 40: block #1 has bad max hash\n", "", "x.img");
        assertEquals(Set.of("Problem in HTREE directory inode 40"), newKeys(after, before));
    }

    @Test
    void entriesIntoAnUninitialisedGroupAreOneProblemPerGroup() {
        FsckReport before = FsckReport.parse(4, "Group descriptor 0 marked uninitialized without feature set.\n"
                + "Entry 'a' in / (2) references inode 12 in group 0 where _INODE_UNINIT is set.\nFix? no\n", "", "x.img");
        FsckReport after = FsckReport.parse(4, "Group descriptor 0 marked uninitialized without feature set.\n"
                + "Entry 'new' in /newdir (37) references inode 38 in group 0 where _INODE_UNINIT is set.\nFix? no\n"
                + "Entry 'x' in /a (12) references inode 1030 found in group 1's unused inodes area.\nFix? no\n", "", "x.img");
        assertEquals(Set.of("entries reference inodes in group 1's unused inodes area"), newKeys(after, before));
    }

    @Test
    void superblockTimesInTheFutureAreAboutTheClock() {
        FsckReport r = FsckReport.parse(4, "Superblock last write time is in the future.\n"
                + "\t(by less than a day, probably due to the hardware clock being incorrectly set)\n"
                + "Superblock last mount time (Sat Dec  5 12:34:41 2026,\n\tnow = Sat Dec  5 11:00:00 2026) is in the future.\nFix? no\n", "", "x.img");
        assertTrue(r.problems().isEmpty(), keys(r).toString());
        assertEquals(2, r.ignored());
    }

    @Test
    void aNewProblemOnAnotherObjectOfTheSameKindIsNew() {
        FsckReport before = FsckReport.parse(4, "Inode 14, i_size is 1, should be 300000.  Fix? no\n", "", "x.img");
        FsckReport same = FsckReport.parse(4, "Inode 14, i_size is 5, should be 1024.  Fix? no\n", "", "x.img");
        FsckReport other = FsckReport.parse(4, "Inode 14, i_size is 5, should be 1024.  Fix? no\n"
                + "Inode 25, i_size is 5, should be 1024.  Fix? no\n", "", "x.img");
        assertEquals(Set.of(), newKeys(same, before));
        assertEquals(Set.of("Inode 25, i_size is #, should be #."), newKeys(other, before));
    }
}
