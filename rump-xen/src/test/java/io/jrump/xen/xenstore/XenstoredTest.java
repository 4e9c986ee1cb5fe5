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
final class XenstoredTest extends XenStoreContract {
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

    @Override
    XenStoreClient client() throws ErrnoException {
        return XenStoreClient.open(StreamTransport.connect(daemon.socket()));
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
