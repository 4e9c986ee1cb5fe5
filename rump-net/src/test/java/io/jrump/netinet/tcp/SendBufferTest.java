package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SendBufferTest {
    private static final int HEADROOM = 94;

    /**
     * Random appends, acknowledgments, copies and lends against a plain array model: every byte
     * read back (copied, or seen through a lent frame) is the byte written at its offset, and a
     * lent frame kept by a holder that retained its lease never changes, whatever is appended
     * or acknowledged. Frames nobody retains may be refilled once acknowledged.
     */
    @Test
    void copiesAndLentFramesShowTheBytesWrittenAndLentBytesNeverChange() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int capacity = 300_000;
        SendBuffer buf = new SendBuffer(capacity, HEADROOM);
        buf.segmentBytes(20_000);
        byte[] stream = new byte[50_000_000];
        long front = 0; // stream offset of the buffer's first byte
        int size = 0;
        long written = 0;
        List<ByteBuffer> lent = new ArrayList<>();
        List<byte[]> lentCopy = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            String where = "seed " + seed + " step " + step;
            int op = r.nextInt(4);
            if (op == 0 && written < stream.length - 70_000) {
                byte[] src = new byte[1 + r.nextInt(r.nextBoolean() ? 100 : 65_536)];
                r.nextBytes(src);
                int n = buf.append(ByteBuffer.wrap(src));
                assertEquals(Math.min(src.length, capacity - size), n, where);
                System.arraycopy(src, 0, stream, (int) written, n);
                written += n;
                size += n;
            } else if (op == 1 && size > 0) {
                int n = r.nextInt(size + 1);
                buf.skip(n);
                front += n;
                size -= n;
            } else if (op == 2 && size > 0) {
                int off = r.nextInt(size);
                int n = 1 + r.nextInt(size - off);
                ByteBuffer dst = ByteBuffer.allocate(n);
                buf.copyOut(off, dst, n);
                assertArrayEquals(Arrays.copyOfRange(stream, (int) front + off, (int) front + off + n), dst.array(), where);
            } else if (op == 3 && size > 0) {
                int off = r.nextInt(size);
                int can = buf.lendable(off);
                if (can > 0) {
                    int n = 1 + r.nextInt(can);
                    int header = 20 + 4 * r.nextInt(11);
                    ByteBuffer f = buf.lend(off, n, header);
                    assertEquals(header + n, f.remaining(), where);
                    assertTrue(f.position() >= HEADROOM - 60, "room for link and IP headers: " + where);
                    assertEquals(0, buf.lendable(off), "lent once only: " + where);
                    byte[] data = new byte[n];
                    f.get(f.position() + header, data);
                    assertArrayEquals(Arrays.copyOfRange(stream, (int) front + off, (int) front + off + n), data, where);
                    for (int i = 0; i < header; i++) {
                        f.put(f.position() + i, (byte) 0x5a); // the sender writes its headers
                    }
                    FrameLease lease = FrameLease.of(f.array());
                    assertNotNull(lease, where);
                    if (r.nextBoolean()) { // a receiver keeps it
                        lease.retain();
                        lent.add(f);
                        lentCopy.add(copy(f));
                    }
                }
            }
            assertEquals(size, buf.size(), where);
            assertEquals(capacity - size, buf.free(), where);
        }
        for (int i = 0; i < lent.size(); i++) {
            assertArrayEquals(lentCopy.get(i), copy(lent.get(i)), "lent frame " + i + " unchanged, seed " + seed);
        }
    }

    @Test
    void anAcknowledgedChunkIsRefilledOnlyOnceNobodyUsesItsMemory() {
        SendBuffer buf = new SendBuffer(1 << 20, HEADROOM);
        buf.segmentBytes(65_536);
        buf.append(ByteBuffer.allocate(65_536));
        ByteBuffer first = buf.lend(0, 65_536, 20);
        FrameLease held = FrameLease.of(first.array()).retain(); // a receiver holds the frame
        buf.skip(65_536);
        buf.append(ByteBuffer.allocate(65_536));
        ByteBuffer second = buf.lend(0, 65_536, 20);
        assertNotSame(first.array(), second.array(), "memory still held is not refilled");
        held.release();
        buf.skip(65_536);
        buf.append(ByteBuffer.allocate(65_536));
        assertSame(first.array(), buf.lend(0, 65_536, 20).array(), "the oldest free chunk is refilled");
    }

    @Test
    void aStreamOfLargeWritesFillsWholeSegmentChunksEachLendableOnce() {
        SendBuffer buf = new SendBuffer(1 << 20, HEADROOM);
        buf.segmentBytes(65_160);
        for (int i = 0; i < 4; i++) {
            buf.append(ByteBuffer.allocate(65_536));
        }
        assertEquals(65_160, buf.lendable(0));
        assertEquals(65_160, buf.lendable(65_160));
        assertEquals(0, buf.lendable(1), "mid-chunk");
        buf.lend(0, 65_160, 52);
        assertEquals(0, buf.lendable(0));
        buf.skip(65_160);
        assertEquals(65_160, buf.lendable(0), "the next chunk is now at the front");
    }

    @Test
    void aSmallWriterHoldsASmallChunkAndReusesItOnceAcknowledged() {
        SendBuffer buf = new SendBuffer(1 << 20, HEADROOM);
        buf.segmentBytes(65_160);
        buf.append(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(1, buf.lendable(0));
        ByteBuffer copy = ByteBuffer.allocate(1);
        buf.copyOut(0, copy, 1); // sent by copying: the chunk stays private
        buf.skip(1);
        buf.append(ByteBuffer.wrap(new byte[] {2}));
        assertEquals(1, buf.lendable(0), "the acknowledged chunk was refilled from its start");
        buf.release();
        assertEquals(0, buf.size());
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(b.position(), a);
        return a;
    }
}
