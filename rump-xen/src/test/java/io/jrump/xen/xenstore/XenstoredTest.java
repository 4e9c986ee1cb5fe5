package io.jrump.xen.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import io.jrump.xen.testing.FifoEventChannel;
import io.jrump.xen.testing.Xenstored;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client against Debian's real xenstored (started under the LD_PRELOAD shim), over its
 * Unix socket and over dom0's shared ring page, cross-checked with xenstore-utils.
 */
class XenstoredTest {
    private static Xenstored daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = Xenstored.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static XenStoreClient client() throws ErrnoException {
        return XenStoreClient.open(UnixSocketTransport.connect(daemon.socket()));
    }

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
    void crossCheckedWithXenstoreUtils() throws Exception {
        Peers.require("xenstore-read", "xenstore-utils");
        try (XenStoreClient c = client()) {
            c.write("/jrump/x/from-java", "value with spaces");
            HostTools.Result r = daemon.tool("xenstore-read", "/jrump/x/from-java");
            assertEquals(0, r.status(), r.output());
            assertEquals("value with spaces", r.output().strip());
            Peers.ok("env", "XENSTORED_PATH=" + daemon.socket(), "xenstore-write", "/jrump/x/from-tool", "42");
            assertEquals("42", c.read("/jrump/x/from-tool"));
            String ls = daemon.tool("xenstore-ls", "/jrump/x").output();
            assertTrue(ls.contains("from-java = \"value with spaces\""), ls);
            assertTrue(ls.contains("from-tool = \"42\""), ls);
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

    @Test
    void overTheSharedRingPage() throws Exception {
        try (FileChannel f = FileChannel.open(daemon.ringPage(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                FifoEventChannel ev = new FifoEventChannel(daemon.evtchnIn(), daemon.evtchnOut())) {
            MappedByteBuffer page = f.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            try (XenStoreClient c = XenStoreClient.open(new RingTransport(page, ev))) {
                c.write("/jrump/ring/a", "over the ring");
                String big = "x".repeat(3000); // longer than the 1024-byte ring: wraps several times
                c.write("/jrump/ring/big", big);
                assertEquals(big, c.read("/jrump/ring/big"));
                assertEquals(List.of("a", "big"), c.directory("/jrump/ring").stream().sorted().toList());
                try (XenStoreClient s = client()) {
                    assertEquals("over the ring", s.read("/jrump/ring/a"), "the socket client sees the ring client's write");
                }
                assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> c.read("/jrump/ring/none")).errno());
            }
        }
    }
}
