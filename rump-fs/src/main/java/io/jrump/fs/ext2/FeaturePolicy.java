package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Feature.Kind;
import io.jrump.fs.ext2.disk.Superblock;
import java.util.List;

/**
 * Decides from the superblock's feature words whether this driver may mount an image, and
 * whether read-write: the rules of {@code ext2_fill_super}/{@code ext4_fill_super}. An incompat
 * feature not understood even for reading refuses the mount and names the feature; one
 * understood only for reading (ext4's extents, 64bit, flex_bg, ...), an unknown ro_compat
 * feature, or a journal needing recovery make the mount read-only, with the reason, which the
 * driver logs (a journal needing recovery is then replayed in memory for reading, see
 * {@link JournalRecovery}). A clean ext3 journal is ignored: ext2 does not use it and leaves it alone.
 */
final class FeaturePolicy {
    /** incompat features this driver reads. */
    private static final int READ_INCOMPAT = Feature.maskOf(Kind.INCOMPAT, Feature.FILETYPE, Feature.RECOVER,
            Feature.META_BG, Feature.EXTENTS, Feature.BIT64, Feature.FLEX_BG, Feature.CSUM_SEED,
            Feature.LARGEDIR, Feature.INLINE_DATA, Feature.MMP);
    /** incompat features this driver writes. */
    private static final int WRITE_INCOMPAT = Feature.maskOf(Kind.INCOMPAT, Feature.FILETYPE);
    /** ro_compat features this driver keeps valid when writing. */
    private static final int WRITE_RO_COMPAT = Feature.maskOf(Kind.RO_COMPAT, Feature.SPARSE_SUPER,
            Feature.LARGE_FILE, Feature.BTREE_DIR);

    /** How the image may be mounted; {@code reason} says why it is read-only, null when it is not. */
    record Verdict(boolean readOnly, String reason) {
    }

    private FeaturePolicy() {
    }

    /**
     * EINVAL naming the features when the image has any this driver cannot even read: an
     * incompat feature it does not know, or bigalloc (a ro_compat feature, so by the rule above
     * readable, but its clusters change the group geometry every other check depends on). Runs
     * on a superblock whose magic is right but whose geometry is not checked yet, so that such
     * an image is refused for what it is rather than for the geometry it implies.
     */
    static void requireReadable(Superblock sb) throws ErrnoException {
        List<String> unknown = Feature.namesOf(Kind.INCOMPAT, sb.features(Kind.INCOMPAT), READ_INCOMPAT);
        if (!unknown.isEmpty()) {
            throw new ErrnoException(Errno.EINVAL, "ext2: unsupported incompat feature(s): " + String.join(", ", unknown));
        }
        if (sb.has(Feature.BIGALLOC)) {
            throw new ErrnoException(Errno.EINVAL, "ext2: unsupported feature: bigalloc (blocks allocated in clusters of "
                    + (1024L << Math.min(sb.logClusterSize(), 20)) + " bytes)");
        }
    }

    static Verdict decide(Superblock sb) throws ErrnoException {
        requireReadable(sb);
        int incompat = sb.features(Kind.INCOMPAT);
        if (sb.has(Feature.JOURNAL_DEV)) {
            throw new ErrnoException(Errno.EINVAL, "ext2: this is an external journal device, not a file system");
        }
        if (sb.has(Feature.RECOVER)) {
            return new Verdict(true, "the journal needs recovery (needs_recovery): mounted read-only; run e2fsck to replay it");
        }
        List<String> readOnlyIncompat = Feature.namesOf(Kind.INCOMPAT, incompat, WRITE_INCOMPAT);
        if (!readOnlyIncompat.isEmpty()) {
            return new Verdict(true, "feature(s) supported read-only: " + String.join(", ", readOnlyIncompat));
        }
        List<String> roCompat = Feature.namesOf(Kind.RO_COMPAT, sb.features(Kind.RO_COMPAT), WRITE_RO_COMPAT);
        if (!roCompat.isEmpty()) {
            return new Verdict(true, "ro_compat feature(s) not supported for writing: " + String.join(", ", roCompat));
        }
        return new Verdict(false, null);
    }
}
