package io.jrump.fs;

import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random operation sequences run against a file system and against {@link FsModel};
 * every outcome (errno or data) must agree, and the tree must pass {@link FsCheck} at the end.
 * On a mismatch the sequence is shrunk by delta debugging (drop halves, quarters, ... then
 * single operations, keeping each removal that still fails) and the failure names the seed
 * and the shrunk sequence. {@code -Djrump.fs.seed=N} reruns one seed.
 *
 * <p>A subclass says how to get a fresh file system ({@link #mountFresh}), so ext2 reuses it.
 */
public abstract class RandomOpsSuite {
    private static final int SEEDS = 20;
    private static final int OPS = 500;
    /** Bound on the runs shrinking may make, so a failure is reported in seconds. */
    private static final int SHRINK_BUDGET = 3000;

    /** Boots a kernel with a fresh, empty file system under test mounted. */
    protected abstract FsFixture mountFresh() throws Exception;

    @Test
    void randomSequencesAgreeWithTheModel() throws Exception {
        String one = System.getProperty("jrump.fs.seed");
        long first = one != null ? Long.parseLong(one) : 20_240_901L;
        int seeds = one != null ? 1 : SEEDS;
        for (long seed = first; seed < first + seeds; seed++) {
            List<FsOp> ops = generate(seed);
            String failure = firstMismatch(ops);
            if (failure != null) {
                List<FsOp> small = shrink(ops);
                StringBuilder sb = new StringBuilder("seed " + seed + " (-Djrump.fs.seed=" + seed + "): " + failure
                        + "\nshrunk from " + ops.size() + " to " + small.size() + " operations:\n");
                for (FsOp op : small) {
                    sb.append("  ").append(op).append('\n');
                }
                sb.append("which gives: ").append(firstMismatch(small));
                throw new AssertionError(sb.toString());
            }
        }
    }

    private List<FsOp> generate(long seed) throws Exception {
        Random rnd = new Random(seed);
        String mp;
        try (FsFixture fx = mountFresh()) {
            mp = fx.mountPoint();
        }
        List<FsOp> ops = new ArrayList<>(OPS);
        for (int i = 0; i < OPS; i++) {
            ops.add(FsOp.random(rnd, mp));
        }
        return ops;
    }

    /** Runs {@code ops} on a fresh file system and on a fresh model; the first disagreement, or null. */
    private String firstMismatch(List<FsOp> ops) throws Exception {
        try (FsFixture fx = mountFresh()) {
            Syscalls sys = fx.kernel().sys();
            String mp = fx.mountPoint();
            FsModel model = new FsModel(mp);
            for (int i = 0; i < ops.size(); i++) {
                FsOp op = ops.get(i);
                String real;
                try {
                    real = op.run(sys, mp);
                } catch (RuntimeException e) {
                    return "op " + i + " " + op + ": threw " + e;
                }
                String want = op.model(model);
                if (!real.equals(want)) {
                    return "op " + i + " " + op + ": file system says '" + real + "', model says '" + want + "'";
                }
            }
            try {
                FsCheck.check(sys, mp);
            } catch (AssertionError | ErrnoException e) {
                return "consistency check after " + ops.size() + " ops: " + e.getMessage();
            }
            return null;
        }
    }

    /** Delta debugging over the operation list: the smallest failing sequence it finds within the budget. */
    private List<FsOp> shrink(List<FsOp> failing) throws Exception {
        List<FsOp> cur = new ArrayList<>(failing);
        int runs = 0;
        for (int chunk = cur.size() / 2; chunk >= 1 && runs < SHRINK_BUDGET; chunk /= 2) {
            boolean removed = true;
            while (removed && runs < SHRINK_BUDGET) {
                removed = false;
                for (int start = 0; start < cur.size() && runs < SHRINK_BUDGET; ) {
                    List<FsOp> candidate = new ArrayList<>(cur.subList(0, start));
                    candidate.addAll(cur.subList(Math.min(cur.size(), start + chunk), cur.size()));
                    runs++;
                    if (!candidate.isEmpty() && firstMismatch(candidate) != null) {
                        cur = candidate;
                        removed = true;
                    } else {
                        start += chunk;
                    }
                }
            }
        }
        return cur;
    }
}
