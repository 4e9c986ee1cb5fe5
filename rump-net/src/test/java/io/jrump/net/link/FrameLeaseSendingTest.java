package io.jrump.net.link;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.api.FrameLease;
import org.junit.jupiter.api.Test;

/**
 * A sender names the array it sends and its lease for the length of the send: a device below
 * finds that lease by the array without the registry, only for that array and only meanwhile,
 * and a send nested in it (a delivery answering on the same thread) does not disturb it.
 */
class FrameLeaseSendingTest {
    @Test
    void theLeaseBeingSentIsFoundByItsArrayOnlyWhileItIsSent() {
        byte[] outer = new byte[64];
        byte[] inner = new byte[64];
        byte[] other = new byte[64];
        FrameLease outerLease = FrameLease.passedAlong().lend();
        FrameLease innerLease = FrameLease.passedAlong().lend();
        FrameLease registered = FrameLease.forArray(other).lend();
        FrameLease[] seen = new FrameLease[5];
        FrameLease.sending(outer, outerLease, () -> {
            seen[0] = FrameLease.of(outer);
            FrameLease.sending(inner, innerLease, () -> {
                seen[1] = FrameLease.of(inner);
                seen[2] = FrameLease.of(outer);
            });
            seen[3] = FrameLease.of(outer);
            seen[4] = FrameLease.of(other);
        });
        assertSame(outerLease, seen[0], "found without being registered");
        assertSame(innerLease, seen[1], "a nested send names its own array");
        assertNull(seen[2], "only the array being sent is answered from the send; this one is not registered");
        assertSame(outerLease, seen[3], "named again once the nested send returns");
        assertSame(registered, seen[4], "other arrays are still looked up in the registry");
        assertNull(FrameLease.of(outer), "after the send nobody names the array");
        registered.release();
    }

    /** A sender's new buffer is named as not lent: the answer is none, whatever the registry holds. */
    @Test
    void anArrayNamedAsNotLentHasNoLease() {
        byte[] array = new byte[64];
        FrameLease registered = FrameLease.forArray(array).lend();
        FrameLease[] seen = {registered};
        FrameLease.sending(array, null, () -> seen[0] = FrameLease.of(array));
        assertNull(seen[0]);
        assertSame(registered, FrameLease.of(array));
        registered.release();
    }

    @Test
    void aLeaseWhoseLoanEndedIsNotAnswered() {
        byte[] array = new byte[64];
        FrameLease lease = FrameLease.passedAlong().lend();
        lease.release();
        FrameLease[] seen = {lease};
        FrameLease.sending(array, lease, () -> seen[0] = FrameLease.of(array));
        assertNull(seen[0]);
    }
}
