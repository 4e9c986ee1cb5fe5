package io.jrump.net.wire;

import java.nio.ByteBuffer;

/**
 * A zero-copy view of an ARP packet for IPv4 over Ethernet (RFC 826): hardware type 1, protocol
 * type 0x0800, address lengths 6 and 4. Other hardware or protocol combinations are rejected by
 * {@link #check()}: this stack resolves nothing else.
 */
public final class ArpPacket {
    public static final int LENGTH = 28;
    /** RFC 826 ar$hrd for Ethernet (IANA hardware type 1). */
    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private static final int HTYPE = 0;
    private static final int PTYPE = 2;
    private static final int HLEN = 4;
    private static final int PLEN = 5;
    private static final int OPER = 6;
    private static final int SHA = 8;
    private static final int SPA = 14;
    private static final int THA = 18;
    private static final int TPA = 24;

    private final ByteBuffer buf;
    private final int off;
    private final int len;

    /** A view from the buffer's position to its limit. */
    public ArpPacket(ByteBuffer buf) {
        this.buf = buf;
        this.off = buf.position();
        this.len = buf.remaining();
    }

    public void check() throws WireException {
        if (len < LENGTH) {
            throw new WireException("truncated", "ARP packet of " + len + " bytes, need " + LENGTH);
        }
        if (Bytes.u16(buf, off + HTYPE) != HTYPE_ETHERNET) {
            throw new WireException("bad_hardware_type", "hardware type " + Bytes.u16(buf, off + HTYPE));
        }
        if (Bytes.u16(buf, off + PTYPE) != EthernetFrame.ETHERTYPE_IPV4) {
            throw new WireException("bad_protocol_type", "protocol type 0x" + Integer.toHexString(Bytes.u16(buf, off + PTYPE)));
        }
        if (Bytes.u8(buf, off + HLEN) != 6 || Bytes.u8(buf, off + PLEN) != 4) {
            throw new WireException("bad_address_length", "address lengths " + Bytes.u8(buf, off + HLEN) + "/" + Bytes.u8(buf, off + PLEN));
        }
        int op = operation();
        if (op != OP_REQUEST && op != OP_REPLY) {
            throw new WireException("bad_operation", "operation " + op);
        }
    }

    public int operation() {
        return Bytes.u16(buf, off + OPER);
    }

    public long senderMac() {
        return EthernetFrame.readMac(buf, off + SHA);
    }

    public int senderIp() {
        return Bytes.u32(buf, off + SPA);
    }

    public long targetMac() {
        return EthernetFrame.readMac(buf, off + THA);
    }

    public int targetIp() {
        return Bytes.u32(buf, off + TPA);
    }

    /** Writes a whole ARP packet at {@code index}; returns {@link #LENGTH}. */
    public static int emit(ByteBuffer b, int index, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        Bytes.put16(b, index + HTYPE, HTYPE_ETHERNET);
        Bytes.put16(b, index + PTYPE, EthernetFrame.ETHERTYPE_IPV4);
        Bytes.put8(b, index + HLEN, 6);
        Bytes.put8(b, index + PLEN, 4);
        Bytes.put16(b, index + OPER, op);
        EthernetFrame.writeMac(b, index + SHA, senderMac);
        Bytes.put32(b, index + SPA, senderIp);
        EthernetFrame.writeMac(b, index + THA, targetMac);
        Bytes.put32(b, index + TPA, targetIp);
        return LENGTH;
    }
}
