package io.jrump.fs.ext2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The campaign's counts, printed to the test output: images tried per block size and per
 * mutation class, mounts refused, writes refused by errno, and the failing cases with what
 * reproduces them.
 */
final class CampaignTally {
    private final List<CampaignCase.Result> results = new ArrayList<>();

    synchronized void add(CampaignCase.Result r) {
        results.add(r);
    }

    synchronized List<CampaignCase.Result> failures() {
        return results.stream().filter(CampaignCase.Result::failed).toList();
    }

    synchronized int size() {
        return results.size();
    }

    private static void count(Map<String, Integer> m, String key) {
        m.merge(key, 1, Integer::sum);
    }

    /** The counts and the failures, as text. */
    synchronized String report(int maxFailuresShown) {
        Map<String, Integer> perBlockSize = new TreeMap<>();
        Map<String, Integer> perKind = new TreeMap<>();
        Map<String, Integer> perKindFailed = new TreeMap<>();
        Map<String, Integer> mountsRefused = new TreeMap<>();
        Map<String, Integer> writesRefused = new TreeMap<>();
        Map<String, Integer> refusedByStep = new TreeMap<>();
        int fresh = 0;
        int lostClean = 0;
        int unexpected = 0;
        int cleanBefore = 0;
        int damagedWritten = 0;
        int damagedAllRefused = 0;
        int checkAborted = 0;
        Map<String, Integer> abortedPerKind = new TreeMap<>();
        int repairCompared = 0;
        for (CampaignCase.Result r : results) {
            count(perBlockSize, r.blockSize() / 1024 + " KiB");
            count(perKind, r.kind());
            if (r.failed()) {
                count(perKindFailed, r.kind());
            }
            if (r.mountErrno() != null) {
                count(mountsRefused, r.mountErrno());
            }
            for (Map.Entry<String, String> s : r.steps().entrySet()) {
                if (!s.getValue().equals("ok")) {
                    count(writesRefused, s.getValue());
                    count(refusedByStep, s.getKey() + " " + s.getValue());
                }
            }
            fresh += r.fresh().isEmpty() ? 0 : 1;
            lostClean += r.lostCleanliness() ? 1 : 0;
            unexpected += r.unexpected() == null ? 0 : 1;
            cleanBefore += r.before().clean() ? 1 : 0;
            if (!r.before().clean() && r.mountErrno() == null) {
                boolean anyWrite = r.steps().entrySet().stream().anyMatch(e -> !e.getKey().equals("unmount") && e.getValue().equals("ok"));
                damagedWritten += anyWrite ? 1 : 0;
                damagedAllRefused += anyWrite ? 0 : 1;
            }
            if (r.before().exit() >= 8) {
                checkAborted++;
                count(abortedPerKind, r.kind());
                repairCompared += r.repairChecked() ? 1 : 0;
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("ext2 corruption campaign: ").append(results.size()).append(" images\n");
        b.append("  per block size: ").append(perBlockSize).append('\n');
        b.append("  per mutation class: ").append(perKind).append('\n');
        b.append("  e2fsck clean before the writes: ").append(cleanBefore).append(", e2fsck -fn stopped early (exit >= 8): ").append(checkAborted).append(' ').append(abortedPerKind)
                .append(", of which also compared by e2fsck -fy on copies (where two runs agree): ").append(repairCompared).append('\n');
        b.append("  mounts refused: ").append(mountsRefused.values().stream().mapToInt(Integer::intValue).sum()).append(' ').append(mountsRefused).append('\n');
        b.append("  damaged images (e2fsck problems before) mounted read-write: ").append(damagedWritten + damagedAllRefused)
                .append(", of which some write succeeded: ").append(damagedWritten).append(", every write refused: ").append(damagedAllRefused).append('\n');
        b.append("  writes refused: ").append(writesRefused.values().stream().mapToInt(Integer::intValue).sum()).append(' ').append(writesRefused).append('\n');
        b.append("  writes refused by step: ").append(refusedByStep).append('\n');
        b.append("  cases with new e2fsck problems: ").append(fresh).append(" (must be 0)\n");
        b.append("  clean images not clean after: ").append(lostClean).append(" (must be 0)\n");
        b.append("  cases with an exception other than ErrnoException: ").append(unexpected).append(" (must be 0)\n");
        b.append("  failing cases per class: ").append(perKindFailed).append('\n');
        int shown = 0;
        for (CampaignCase.Result r : failures()) {
            if (shown++ >= maxFailuresShown) {
                b.append("  ... ").append(failures().size() - maxFailuresShown).append(" more failing cases\n");
                break;
            }
            b.append("FAIL ").append(r.describe()).append('\n');
            b.append("     reproduce: -D").append(Ext2CorruptionCampaignTest.CASE_PROPERTY).append('=').append(r.base()).append('/').append(r.id()).append('\n');
            b.append("     mount: ").append(r.mountErrno() == null ? "ok" : r.mountErrno()).append(", steps: ").append(r.steps()).append('\n');
            if (r.unexpected() != null) {
                b.append("     unexpected: ").append(r.unexpected()).append('\n');
                for (StackTraceElement e : r.unexpected().getStackTrace()) {
                    if (e.getClassName().startsWith("io.jrump.fs")) {
                        b.append("       at ").append(e).append('\n');
                    }
                }
            }
            if (r.lostCleanliness()) {
                b.append("     was clean, after: exit ").append(r.after().exit()).append('\n');
            }
            List<FsckReport.Problem> news = new ArrayList<>(r.fresh());
            for (int i = 0; i < Math.min(8, news.size()); i++) {
                b.append("     new: ").append(news.get(i)).append('\n');
            }
            if (news.size() > 8) {
                b.append("     new: ... ").append(news.size() - 8).append(" more\n");
            }
        }
        return b.toString();
    }
}
