package io.jrump.net.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Ipv4HeaderChecksumTest {
    /** The checksum emitHeader computes from its arguments verifies over the bytes it wrote, for any field values. */
    @Test
    void emittedHeaderChecksumSumsToZero() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            ByteBuffer b = ByteBuffer.allocate(30);
            int at = r.nextInt(10);
            int flags = r.nextBoolean() ? Ipv4Packet.FLAG_DF : r.nextBoolean() ? Ipv4Packet.FLAG_MF : 0;
            Ipv4Packet.emitHeader(b, at, r.nextInt(256), r.nextInt(65536), r.nextInt(65536), flags, r.nextInt(8192) * 8,
                    r.nextInt(256), r.nextInt(256), r.nextInt(), r.nextInt());
            assertEquals(0, Checksum.of(b, at, Ipv4Packet.HEADER_LEN), "header " + i);
        }
    }
}
