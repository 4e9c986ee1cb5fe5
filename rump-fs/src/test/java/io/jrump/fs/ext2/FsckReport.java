package io.jrump.fs.ext2;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The problems an {@code e2fsck -fn} run reports, each reduced to its kind and the object it
 * names, so that a report taken after some writes can be compared with one taken before: a
 * problem is <em>new</em> if its key is not in the earlier report.
 *
 * <p>The reduction keeps what identifies a problem and drops what only measures it:
 * <ul>
 * <li>Numbers that name an object stay: after "inode", "group", "block", "#", in {@code (N)}
 *     and {@code <N>}; quoted entry names and paths stay. Every other number (sizes, counts,
 *     offsets, the "is N, should be M" values) becomes {@code #}: a file whose i_blocks was
 *     already wrong and is still wrong by another amount has no new problem.</li>
 * <li>Pass 5's bitmap differences are split into one problem per block or inode and sign
 *     ({@code +} in use but marked free, {@code -} marked but unused), ranges expanded: one
 *     more block in use but free after the writes is a new problem even if the line existed.</li>
 * <li>Pass 1B's multiply-claimed lists are split into one problem per (inode, block): a new
 *     file that now shares a block is new even if that block was shared before.</li>
 * <li>Pass 4's "ref count is N, should be M" and "Unattached inode" on one inode are one
 *     problem: its links count disagrees with the entries naming it.</li>
 * <li>Pass 2's "Entry ... references inode N in group G where _INODE_UNINIT is set" (or "in
 *     group G's unused inodes area") is one problem per group: the group's descriptor.</li>
 * <li>Pass 2's "Problem in HTREE directory inode N: block #M ..." is one problem per inode.</li>
 * <li>Dropped as pure consequences of the above, which e2fsck recounts from the bitmaps and
 *     inodes it checked: the free blocks/inodes and directories counts, the bitmap padding.</li>
 * <li>Dropped as statements about the host's clock: superblock times in the future.</li>
 * <li>Dropped as not problems: the version banner, pass headers, the pass 1C/1D narrative
 *     (pass 1B's lines name the same sharing), the answers to e2fsck's questions, the closing
 *     warning and summary.</li>
 * </ul>
 * Both of e2fsck's streams are read: libext2fs writes some warnings to stderr.
 */
final class FsckReport {
    /** A problem: the line's template with identifying numbers kept, and where it came from. */
    record Problem(String key) implements Comparable<Problem> {
        @Override
        public int compareTo(Problem o) {
            return key.compareTo(o.key);
        }

        @Override
        public String toString() {
            return key;
        }
    }

    private static final List<Pattern> NOT_PROBLEMS = List.of(
            Pattern.compile("^e2fsck \\d+\\.\\d+.*"),
            Pattern.compile("^Pass \\d[A-D]?: .*"),
            Pattern.compile("^Running additional passes to resolve blocks claimed by more than one inode\\.\\.\\."),
            Pattern.compile("^\\(There are \\d+ inodes containing multiply-claimed blocks\\.\\)"),
            Pattern.compile("^File .* \\(inode #\\d+, mod time .*\\)\\s*$"),
            Pattern.compile("^\\s*has \\d+ multiply-claimed block\\(s\\), shared with \\d+ file\\(s\\):"),
            Pattern.compile("^\t.*"),
            Pattern.compile("^IMG: \\*+ WARNING: Filesystem still has errors \\*+"),
            Pattern.compile("^IMG: \\*+ FILE SYSTEM WAS MODIFIED \\*+"),
            Pattern.compile("^Restarting e2fsck from the beginning\\.\\.\\."),
            Pattern.compile("^IMG: \\d+/\\d+ files \\(.*\\), \\d+/\\d+ blocks"));

    /** Counts e2fsck recomputes from what it checked: they follow from problems reported elsewhere. */
    private static final List<Pattern> CONSEQUENCES = List.of(
            Pattern.compile("^Free (blocks|inodes) count wrong.*"),
            Pattern.compile("^Directories count wrong for group.*"),
            Pattern.compile("^Padding at end of (block|inode) bitmap is not set\\..*"));

    /**
     * Pass 4's findings on one inode, all saying that i_links_count disagrees with the
     * directory entries naming it ("Unattached" is the case of none): one problem, whatever
     * the counts. Source: e2fsprogs e2fsck/pass4.c, disconnect_inode() and check_ref_count.
     */
    private static final Pattern REF_COUNT = Pattern.compile(
            "^(?:Inode (\\d+) ref count is \\d+, should be \\d+\\.|Unattached (?:zero-length )?inode (\\d+)\\.?)$");

    /**
     * Pass 2's findings inside an indexed (htree) directory name the logical block of the
     * inode they are in, which writes to the inode move: one problem per inode.
     */
    private static final Pattern HTREE = Pattern.compile("^Problem in HTREE directory inode (\\d+): .*");

    /**
     * Pass 2's "entry references an inode in a group marked uninitialised" (or in its unused
     * area), said once per entry: the problem is the group's descriptor, so one per group.
     * Source: e2fsprogs e2fsck/problem.c, PR_2_INOREF_BG_INO_UNINIT and PR_2_INOREF_IN_UNUSED.
     */
    private static final Pattern UNINIT_REF = Pattern.compile(
            "^Entry '.*' in .* \\(\\d+\\) references inode \\d+ (?:in group (\\d+) where _INODE_UNINIT is set|found in group (\\d+)'s unused inodes area)\\.$");

    /**
     * Superblock times ahead of e2fsck's clock: a statement about the host's clock, not about
     * a structure (the kernel stamps the write time from the same wall clock e2fsck reads, and
     * a host clock stepped back by a second between the unmount and the check is enough).
     */
    private static final Pattern CLOCK = Pattern.compile("^Superblock last (mount|write) time .*");

    /** e2fsck -n's question and answer at the end of a line ("Fix? no", "Connect to /lost+found? no"). */
    private static final Pattern QUESTION = Pattern.compile("(^|\\s+)[A-Z][^.!?]*\\? (no|yes)$");
    private static final Pattern BITMAP = Pattern.compile("^(Block|Inode) bitmap differences:\\s*(.*)$");
    private static final Pattern BITMAP_ITEM = Pattern.compile("([+-])\\(?(\\d+)(?:--(\\d+))?\\)?");
    private static final Pattern SHARED = Pattern.compile("^Multiply-claimed block\\(s\\) in inode (\\d+):\\s*(.*)$");
    private static final Pattern BLOCK_ITEM = Pattern.compile("(\\d+)(?:--(\\d+))?");
    private static final Pattern TIME = Pattern.compile("[A-Z][a-z]{2} [A-Z][a-z]{2} +\\d+ \\d\\d:\\d\\d:\\d\\d \\d{4}");
    /** A number that names something: after inode/group/block (optionally '#'), or alone in () or <>. */
    private static final Pattern NAMING_NUMBER = Pattern.compile(
            "(?i)\\b((?:inode|group|block) #?)(\\d+)\\b|(\\()(\\d+)(\\))|(<)(\\d+)(>)|(#)(\\d+)\\b");
    private static final Pattern QUOTED = Pattern.compile("'[^']*'");
    /** A number standing alone, not part of a word such as "ext2fs". */
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");
    /** Most items one bitmap-differences range expands to: more is a whole-bitmap wipe, kept as one problem. */
    private static final long MAX_RANGE = 1 << 20;

    private final Set<Problem> problems;
    private final int ignored;
    private final int exit;
    private final String raw;

    private FsckReport(Set<Problem> problems, int ignored, int exit, String raw) {
        this.problems = problems;
        this.ignored = ignored;
        this.exit = exit;
        this.raw = raw;
    }

    /** Reads one e2fsck run; {@code image} is the path it was given, which its lines quote. */
    static FsckReport parse(int exit, String stdout, String stderr, String image) {
        Set<Problem> out = new LinkedHashSet<>();
        int ignored = 0;
        List<String> lines = new ArrayList<>(stdout.lines().toList());
        lines.addAll(stderr.lines().toList());
        for (String raw : lines) {
            String line = raw.replace(image, "IMG").stripTrailing();
            if (line.isBlank() || matchesAny(NOT_PROBLEMS, line)) {
                continue;
            }
            line = line.strip();
            if (matchesAny(NOT_PROBLEMS, line)) {
                continue;
            }
            line = QUESTION.matcher(line).replaceFirst("").strip();
            if (line.isEmpty()) {
                continue;
            }
            if (matchesAny(CONSEQUENCES, line) || CLOCK.matcher(line).matches()) {
                ignored++;
                continue;
            }
            Matcher m = BITMAP.matcher(line);
            if (m.matches()) {
                bitmapItems(m.group(1).toLowerCase(), m.group(2), out);
                continue;
            }
            m = SHARED.matcher(line);
            if (m.matches()) {
                sharedItems(m.group(1), m.group(2), out);
                continue;
            }
            m = UNINIT_REF.matcher(line);
            if (m.matches()) {
                out.add(m.group(1) != null ? new Problem("entries reference inodes in group " + m.group(1) + " where _INODE_UNINIT is set")
                        : new Problem("entries reference inodes in group " + m.group(2) + "'s unused inodes area"));
                continue;
            }
            m = HTREE.matcher(line);
            if (m.matches()) {
                out.add(new Problem("Problem in HTREE directory inode " + m.group(1)));
                continue;
            }
            m = REF_COUNT.matcher(line);
            if (m.matches()) {
                out.add(new Problem("reference count of inode " + (m.group(1) != null ? m.group(1) : m.group(2))));
                continue;
            }
            out.add(new Problem(template(line)));
        }
        return new FsckReport(out, ignored, exit, stdout + stderr);
    }

    static FsckReport of(E2fsprogs.Streams run, String image) {
        return parse(run.exit(), run.stdout(), run.stderr(), image);
    }

    private static boolean matchesAny(List<Pattern> patterns, String line) {
        for (Pattern p : patterns) {
            if (p.matcher(line).matches()) {
                return true;
            }
        }
        return false;
    }

    private static void bitmapItems(String which, String list, Set<Problem> out) {
        Matcher m = BITMAP_ITEM.matcher(list);
        while (m.find()) {
            long from = Long.parseLong(m.group(2));
            long to = m.group(3) == null ? from : Long.parseLong(m.group(3));
            if (to - from > MAX_RANGE) {
                out.add(new Problem(which + " bitmap " + m.group(1) + " " + from + "--" + to));
                continue;
            }
            for (long n = from; n <= to; n++) {
                out.add(new Problem(which + " bitmap " + m.group(1) + " " + n));
            }
        }
    }

    private static void sharedItems(String inode, String list, Set<Problem> out) {
        Matcher m = BLOCK_ITEM.matcher(list);
        while (m.find()) {
            long from = Long.parseLong(m.group(1));
            long to = m.group(2) == null ? from : Long.parseLong(m.group(2));
            for (long n = from; n <= to && n - from <= MAX_RANGE; n++) {
                out.add(new Problem("multiply-claimed: inode " + inode + " block " + n));
            }
        }
    }

    /** The line with times and measuring numbers replaced, naming numbers and quoted names kept. */
    static String template(String line) {
        String s = TIME.matcher(line).replaceAll("TIME");
        StringBuilder b = new StringBuilder();
        Matcher q = QUOTED.matcher(s);
        int at = 0;
        while (q.find()) {
            b.append(numbers(s.substring(at, q.start()))).append(q.group());
            at = q.end();
        }
        return b.append(numbers(s.substring(at))).toString();
    }

    private static String numbers(String s) {
        StringBuilder b = new StringBuilder();
        Matcher m = NAMING_NUMBER.matcher(s);
        int at = 0;
        while (m.find()) {
            b.append(NUMBER.matcher(s.substring(at, m.start())).replaceAll("#"));
            b.append(m.group());
            at = m.end();
        }
        return b.append(NUMBER.matcher(s.substring(at)).replaceAll("#")).toString();
    }

    Set<Problem> problems() {
        return problems;
    }

    /** e2fsck's exit code: 0 clean, 4 errors left uncorrected (-n), 8 or more an operational error. */
    int exit() {
        return exit;
    }

    /** Lines dropped as count consequences or statements about the clock. */
    int ignored() {
        return ignored;
    }

    /** e2fsck's output as it printed it (stdout, then stderr), for a case being reproduced. */
    String raw() {
        return raw;
    }

    boolean clean() {
        return exit == 0 && problems.isEmpty();
    }

    /** The problems of this report that {@code before} did not have, sorted. */
    Set<Problem> newSince(FsckReport before) {
        Set<Problem> out = new TreeSet<>(problems);
        out.removeAll(before.problems);
        return out;
    }
}
