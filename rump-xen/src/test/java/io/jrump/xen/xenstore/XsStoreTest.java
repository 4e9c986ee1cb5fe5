package io.jrump.xen.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The emulated xenstore held to the contract xenstored meets, plus what a bad request gets. */
class XsStoreTest extends XenStoreContract {
    private final XsStore store = new XsStore();

    @Override
    XenStoreClient client() {
        return XenStoreClient.open(store.connect(0));
    }

    @Test
    void relativePathsAreUnderTheDomain() throws Exception {
        try (XenStoreClient c = XenStoreClient.open(store.connect(3))) {
            c.write("device/vbd/768/state", "1");
            assertEquals("1", c.read("/local/domain/3/device/vbd/768/state"));
        }
    }

    @Test
    void unknownTypeAndMalformedWriteAreErrorReplies() throws Exception {
        XsTransport t = store.connect(0);
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 999).putInt(4, 5);
        t.send(XsMessage.wrap(b));
        XsMessage r = t.receive();
        assertEquals(XsType.ERROR, r.type());
        assertEquals(5, r.reqId());
        assertEquals("ENOSYS", r.payloadString());
        t.send(XsMessage.build(XsType.WRITE, 6, 0, "/no-nul".getBytes()));
        assertEquals("EINVAL", t.receive().payloadString());
        t.close();
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, t::receive).errno());
    }
}
