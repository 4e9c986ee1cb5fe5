package io.jrump.xen.xenstore;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A typed, zero-copy view of one xenstore message: the 16-byte header
 * {@code struct xsd_sockmsg} ({@code type, req_id, tx_id, len}, each a little-endian
 * {@code uint32_t} on x86 and ARM) followed by {@code len} bytes of payload, as
 * {@code xen/include/public/io/xs_wire.h} lays it out.
 *
 * <p>The view never copies: it reads and writes the buffer it wraps at the buffer's own
 * offsets. {@link #check} validates what arrived from a daemon before any field is trusted.
 */
public final class XsMessage {
    /** {@code sizeof(struct xsd_sockmsg)}. */
    public static final int HEADER_SIZE = 16;
    /** {@code XENSTORE_PAYLOAD_MAX}: the daemon rejects longer payloads. */
    public static final int PAYLOAD_MAX = 4096;
    static final int TYPE = 0;
    static final int REQ_ID = 4;
    static final int TX_ID = 8;
    static final int LEN = 12;

    private final ByteBuffer buf;

    private XsMessage(ByteBuffer buf) {
        this.buf = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Wraps the bytes from {@code buf}'s position; call {@link #check} before trusting it. */
    public static XsMessage wrap(ByteBuffer buf) {
        return new XsMessage(buf);
    }

    /**
     * A new message of the given type and payload (the payload's strings already joined with
     * their NULs as the type wants them).
     */
    public static XsMessage build(XsType type, int reqId, int txId, byte[] payload) throws ErrnoException {
        if (payload.length > PAYLOAD_MAX) {
            throw new ErrnoException(Errno.E2BIG, "xenstore " + type + ": payload of " + payload.length + " bytes exceeds " + PAYLOAD_MAX);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(TYPE, type.code()).putInt(REQ_ID, reqId).putInt(TX_ID, txId).putInt(LEN, payload.length);
        b.put(HEADER_SIZE, payload);
        return new XsMessage(b);
    }

    /** EPROTO-style check: the header is whole, the length within the limit and present. */
    public XsMessage check() throws ErrnoException {
        if (buf.remaining() < HEADER_SIZE) {
            throw new ErrnoException(Errno.EIO, "xenstore: message of " + buf.remaining() + " bytes is shorter than its header");
        }
        long len = length();
        if (len > PAYLOAD_MAX) {
            throw new ErrnoException(Errno.EIO, "xenstore: payload length " + len + " exceeds " + PAYLOAD_MAX);
        }
        if (buf.remaining() < HEADER_SIZE + len) {
            throw new ErrnoException(Errno.EIO, "xenstore: payload length " + len + " but " + (buf.remaining() - HEADER_SIZE) + " bytes present");
        }
        return this;
    }

    public long typeCode() {
        return Integer.toUnsignedLong(buf.getInt(TYPE));
    }

    /** The type, or null when the number is not one of {@link XsType}. */
    public XsType type() {
        return XsType.of(typeCode());
    }

    public int reqId() {
        return buf.getInt(REQ_ID);
    }

    public int txId() {
        return buf.getInt(TX_ID);
    }

    public long length() {
        return Integer.toUnsignedLong(buf.getInt(LEN));
    }

    /** The payload, as a view sharing this message's bytes. */
    public ByteBuffer payload() {
        return buf.slice(HEADER_SIZE, (int) length());
    }

    /** The whole message (header and payload), as a view. */
    public ByteBuffer bytes() {
        return buf.slice(0, HEADER_SIZE + (int) length());
    }

    /** The payload as text, with one trailing NUL (if any) dropped. */
    public String payloadString() {
        ByteBuffer p = payload();
        int n = p.remaining();
        if (n > 0 && p.get(n - 1) == 0) {
            n--;
        }
        byte[] b = new byte[n];
        p.get(0, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The payload split at NULs, as DIRECTORY, GET_PERMS and WATCH_EVENT send it; a trailing NUL ends the last string. */
    public List<String> payloadStrings() {
        ByteBuffer p = payload();
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = p.remaining();
        for (int i = 0; i < n; i++) {
            if (p.get(i) == 0) {
                out.add(string(p, start, i));
                start = i + 1;
            }
        }
        if (start < n) {
            out.add(string(p, start, n));
        }
        return out;
    }

    private static String string(ByteBuffer p, int from, int to) {
        byte[] b = new byte[to - from];
        p.get(from, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        XsType t = type();
        return "xsd_sockmsg[" + (t == null ? "type " + typeCode() : t) + " req " + Integer.toUnsignedString(reqId()) + " tx "
                + Integer.toUnsignedString(txId()) + " len " + length() + "]";
    }
}
