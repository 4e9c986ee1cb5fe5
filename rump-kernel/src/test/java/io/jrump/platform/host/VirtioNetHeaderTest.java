package io.jrump.platform.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The virtio-net header a TAP frame carries, both ways, against checksums computed here from
 * RFC 1071 ({@link Checksum}) and the pseudo header of RFC 9293 3.1 (no root needed: no TAP is
 * opened).
 */
class VirtioNetHeaderTest {
    private static final int H = VirtioNetHeader.SIZE;
    private static final int SRC = 0x0a000002;
    private static final int DST = 0x0a000001;

    /** Header space, then an Ethernet frame with IPv4 and a TCP (6) or UDP (17) segment of {@code payload} bytes. */
    private static ByteBuffer frame(int proto, int payload, int tcpOptions, int fragBits) {
        int l4h = proto == 6 ? 20 + tcpOptions : 8;
        int total = 20 + l4h + payload;
        ByteBuffer b = ByteBuffer.allocate(H + 14 + total);
        b.putShort(H + 12, (short) 0x0800);
        int ip = H + 14;
        b.put(ip, (byte) 0x45).putShort(ip + 2, (short) total).putShort(ip + 6, (short) fragBits).put(ip + 8, (byte) 64)
                .put(ip + 9, (byte) proto).putInt(ip + 12, SRC).putInt(ip + 16, DST);
        int l4 = ip + 20;
        if (proto == 6) {
            b.put(l4 + 12, (byte) ((l4h / 4) << 4)).put(l4 + 13, (byte) 0x18);
        } else {
            b.putShort(l4 + 4, (short) (l4h + payload));
        }
        Random r = new Random(payload);
        for (int i = l4 + l4h; i < b.capacity(); i++) {
            b.put(i, (byte) r.nextInt());
        }
        return b;
    }

    private static long pseudo(int proto, int len) {
        return (SRC >>> 16) + (SRC & 0xffff) + (DST >>> 16) + (DST & 0xffff) + proto + len;
    }

    /** Whether the transport checksum of the frame verifies (the sum over pseudo header and segment is 0xffff). */
    private static boolean verifies(ByteBuffer b, int proto) {
        int ip = H + 14;
        int l4len = (b.getShort(ip + 2) & 0xffff) - 20;
        return Checksum.fold(Checksum.add(pseudo(proto, l4len), b, ip + 20, l4len)) == 0xffff;
    }

    private static int field(ByteBuffer b, int proto) {
        return b.getShort(H + 14 + 20 + (proto == 6 ? 16 : 6)) & 0xffff;
    }

    /** What Linux does with NEEDS_CSUM: sums from csum_start to the end and stores the complement at csum_offset. */
    private static void completeAsLinux(ByteBuffer b, int len) {
        int start = VirtioNetHeader.getNative(b, 6);
        int offset = VirtioNetHeader.getNative(b, 8);
        b.putShort(H + start + offset, (short) Checksum.of(b, H + start, len - start));
    }

    @Test
    void aLargePartialTcpSegmentGoesAsTso() {
        ByteBuffer b = frame(6, 30_000, 12, 0x4000);
        int len = b.capacity() - H;
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.forTransmit(b, 0, H, len, 1500, true));
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, b.get(0));
        assertEquals(VirtioNetHeader.GSO_TCPV4, b.get(1));
        assertEquals(14 + 20 + 32, VirtioNetHeader.getNative(b, 2), "hdr_len: Ethernet, IPv4, TCP with options");
        assertEquals(1500 - 20 - 32, VirtioNetHeader.getNative(b, 4), "gso_size: what fits the MTU");
        assertEquals(34, VirtioNetHeader.getNative(b, 6), "csum_start");
        assertEquals(16, VirtioNetHeader.getNative(b, 8), "csum_offset");
        int l4len = 32 + 30_000;
        assertEquals(Checksum.fold(pseudo(6, l4len)), field(b, 6), "the field holds the pseudo-header sum");
        completeAsLinux(b, len);
        assertTrue(verifies(b, 6), "completed as Linux does, the checksum is right");
    }

    @Test
    void ecnCwrIsFlaggedOnTso() {
        ByteBuffer b = frame(6, 5000, 0, 0);
        b.put(H + 14 + 20 + 13, (byte) 0x90); // ACK | CWR
        assertEquals(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, VirtioNetHeader.forTransmit(b, 0, H, b.capacity() - H, 1500, true));
    }

    @Test
    void smallPartialSegmentsOnlyNeedTheChecksum() {
        for (int proto : new int[] {6, 17}) {
            ByteBuffer b = frame(proto, 100, 0, 0);
            int len = b.capacity() - H;
            assertEquals(VirtioNetHeader.GSO_NONE, VirtioNetHeader.forTransmit(b, 0, H, len, 1500, true));
            assertEquals(VirtioNetHeader.F_NEEDS_CSUM, b.get(0));
            assertEquals(proto == 6 ? 16 : 6, VirtioNetHeader.getNative(b, 8));
            completeAsLinux(b, len);
            assertTrue(verifies(b, proto));
        }
    }

    @Test
    void completeOrUnknownFramesGetAnEmptyHeader() {
        ByteBuffer done = frame(6, 100, 0, 0);
        done.putShort(H + 14 + 20 + 16, (short) 0x1234); // a checksum the stack computed
        ByteBuffer fragment = frame(17, 100, 0, 0x2000); // MF: only the datagram's first piece
        ByteBuffer arp = ByteBuffer.allocate(H + 60).putShort(H + 12, (short) 0x0806);
        ByteBuffer off = frame(6, 30_000, 0, 0);
        for (ByteBuffer b : new ByteBuffer[] {done, fragment, arp, off}) {
            b.put(0, (byte) 0x7f); // stale bytes must be cleared
            ByteBuffer before = b.duplicate();
            byte[] copy = new byte[b.capacity() - H];
            before.get(H, copy);
            assertEquals(VirtioNetHeader.GSO_NONE, VirtioNetHeader.forTransmit(b, 0, H, b.capacity() - H, 1500, b != off));
            for (int i = 0; i < H; i++) {
                assertEquals(0, b.get(i));
            }
            byte[] after = new byte[copy.length];
            b.get(H, after);
            assertEquals(java.util.Arrays.toString(copy), java.util.Arrays.toString(after), "the frame is unchanged");
        }
    }

    /** A frame as Linux hands it over with NEEDS_CSUM: the field holds the pseudo-header sum. */
    private static ByteBuffer fromLinuxPartial(int proto, int payload) {
        ByteBuffer b = frame(proto, payload, 0, 0);
        int l4len = b.capacity() - H - 14 - 20;
        b.putShort(H + 14 + 20 + (proto == 6 ? 16 : 6), (short) Checksum.fold(pseudo(proto, l4len)));
        b.put(0, (byte) VirtioNetHeader.F_NEEDS_CSUM);
        ByteBuffer h = b.duplicate().order(java.nio.ByteOrder.nativeOrder());
        h.putShort(6, (short) 34).putShort(8, (short) (proto == 6 ? 16 : 6));
        return b;
    }

    @Test
    void partialChecksumsFromLinuxBecomeTheStacksMarkWhenTrusted() {
        ByteBuffer b = fromLinuxPartial(6, 40_000);
        assertTrue(VirtioNetHeader.onReceive(b, 0, H, b.capacity() - H, true));
        assertEquals(0, field(b, 6), "the partial mark");
    }

    @Test
    void partialChecksumsAreCompletedWhenNotTrusted() {
        for (int proto : new int[] {6, 17}) {
            ByteBuffer b = fromLinuxPartial(proto, 999);
            assertTrue(VirtioNetHeader.onReceive(b, 0, H, b.capacity() - H, false));
            assertTrue(verifies(b, proto), "completed here");
        }
    }

    @Test
    void partialChecksumsOfOtherProtocolsAreCompleted() {
        ByteBuffer b = fromLinuxPartial(6, 500);
        b.putShort(H + 12, (short) 0x86dd); // not IPv4 (say IPv6): the stack drops it, but nothing is trusted
        assertTrue(VirtioNetHeader.onReceive(b, 0, H, b.capacity() - H, true));
        assertTrue(verifies(b, 6), "completed by csum_start/csum_offset alone");
    }

    @Test
    void unverifiedZeroTcpChecksumsAreNotTrusted() {
        ByteBuffer b = frame(6, 100, 0, 0); // checksum zero, no flags: came off a wire unverified
        assertTrue(VirtioNetHeader.onReceive(b, 0, H, b.capacity() - H, true));
        assertEquals(0xffff, field(b, 6));
        ByteBuffer valid = frame(6, 100, 0, 0);
        valid.putShort(H + 14 + 20 + 16, (short) 0x4321);
        valid.put(0, (byte) VirtioNetHeader.F_DATA_VALID);
        assertTrue(VirtioNetHeader.onReceive(valid, 0, H, valid.capacity() - H, true));
        assertEquals(0, field(valid, 6), "verified by Linux: marked, so the stack does not verify again");
        ByteBuffer untrusted = frame(6, 100, 0, 0);
        untrusted.putShort(H + 14 + 20 + 16, (short) 0x4321);
        untrusted.put(0, (byte) VirtioNetHeader.F_DATA_VALID);
        assertTrue(VirtioNetHeader.onReceive(untrusted, 0, H, untrusted.capacity() - H, false));
        assertEquals(0x4321, field(untrusted, 6), "without RX offload the checksum stays for the stack to verify");
    }

    @Test
    void headersPointingOutsideTheFrameAreRefused() {
        ByteBuffer b = fromLinuxPartial(6, 10);
        b.duplicate().order(java.nio.ByteOrder.nativeOrder()).putShort(6, (short) 60_000);
        assertFalse(VirtioNetHeader.onReceive(b, 0, H, b.capacity() - H, true));
    }
}
