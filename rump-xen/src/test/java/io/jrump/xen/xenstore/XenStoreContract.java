package io.jrump.xen.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a xenstore must do, run by the client against Debian's xenstored ({@link XenstoredTest})
 * and against the emulated platform's {@link XsStore} ({@link XsStoreTest}), so the emulation
 * is held to the real daemon's behaviour.
 */
abstract class XenStoreContract {
    abstract XenStoreClient client() throws ErrnoException;

    @Test
    void readWriteDirectoryRmAndErrors() throws Exception {
        try (XenStoreClient c = client()) {
            c.write("/jrump/rw/a", "hello");
            c.write("/jrump/rw/b", new byte[0]);
            c.mkdir("/jrump/rw/dir");
            assertEquals("hello", c.read("/jrump/rw/a"));
            assertEquals("", c.read("/jrump/rw/b"));
            assertEquals(List.of("a", "b", "dir"), c.directory("/jrump/rw").stream().sorted().toList());
            ErrnoException e = assertThrows(ErrnoException.class, () -> c.read("/jrump/rw/missing"));
            assertEquals(Errno.ENOENT, e.errno());
            assertTrue(e.getMessage().startsWith("xenstore read /jrump/rw/missing: ENOENT"), e.getMessage());
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> c.read("relative//bad")).errno());
            c.rm("/jrump/rw");
            assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> c.directory("/jrump/rw")).errno());
            assertEquals("/local/domain/7", c.getDomainPath(7));
        }
    }

    @Test
    void permissions() throws Exception {
        try (XenStoreClient c = client()) {
            c.write("/jrump/p", "x");
            assertEquals(List.of("n0"), c.getPerms("/jrump/p"));
            c.setPerms("/jrump/p", List.of("n0", "r5", "b7"));
            assertEquals(List.of("n0", "r5", "b7"), c.getPerms("/jrump/p"));
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> c.setPerms("/jrump/p", List.of("zz"))).errno());
        }
    }

    @Test
    void transactionsCommitAbortAndConflict() throws Exception {
        try (XenStoreClient c = client(); XenStoreClient other = client()) {
            c.write("/jrump/t/counter", "0");
            XsTransaction t = c.startTransaction();
            t.write("/jrump/t/counter", "1");
            assertEquals("0", c.read("/jrump/t/counter"), "outside the transaction the old value");
            assertEquals("1", t.read("/jrump/t/counter"));
            t.commit();
            assertEquals("1", c.read("/jrump/t/counter"));

            XsTransaction aborted = c.startTransaction();
            aborted.write("/jrump/t/counter", "99");
            aborted.abort();
            assertEquals("1", c.read("/jrump/t/counter"));

            XsTransaction conflicting = c.startTransaction();
            String seen = conflicting.read("/jrump/t/counter");
            other.write("/jrump/t/counter", "7");
            conflicting.write("/jrump/t/counter", seen + "+1");
            assertEquals(Errno.EAGAIN, assertThrows(ErrnoException.class, conflicting::commit).errno());
            assertEquals("7", c.read("/jrump/t/counter"));

            int[] runs = {0};
            String result = c.transaction(tx -> {
                String v = tx.read("/jrump/t/counter");
                if (runs[0]++ == 0) {
                    other.write("/jrump/t/counter", "8"); // forces one EAGAIN
                }
                tx.write("/jrump/t/counter", Integer.toString(Integer.parseInt(v) + 1));
                return v;
            });
            assertEquals(2, runs[0], "the body ran again after EAGAIN");
            assertEquals("8", result);
            assertEquals("9", c.read("/jrump/t/counter"));
        }
    }

    @Test
    void watchEventsAreDemultiplexedFromReplies() throws Exception {
        try (XenStoreClient c = client(); XenStoreClient writer = client()) {
            LinkedBlockingQueue<String> fired = new LinkedBlockingQueue<>();
            c.watch("/jrump/w", "tok1", (path, token) -> fired.add(token + ":" + path));
            assertEquals("tok1:/jrump/w", fired.poll(10, TimeUnit.SECONDS), "the initial event");
            for (int i = 0; i < 20; i++) {
                writer.write("/jrump/w/k" + i, "v");
                c.read("/jrump/w/k" + i); // replies interleave with the events
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("tok1:/jrump/w/k" + i, fired.poll(10, TimeUnit.SECONDS));
            }
            c.unwatch("/jrump/w", "tok1");
            writer.write("/jrump/w/after", "v");
            c.read("/jrump/w/after");
            assertEquals(null, fired.poll(200, TimeUnit.MILLISECONDS));
            assertEquals(0, c.strayReplies());
        }
    }

}
