package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The memory a driver and its device share: what virtio calls guest-physical memory. Rings
 * and data buffers live here and are named by their guest-physical address (gpa), which is
 * {@link #base()} plus the offset into the buffer.
 *
 * <p>One class serves every transport: an in-process device model reads the same direct
 * buffer the driver writes; for vhost-user the buffer is a {@code memfd} mapping whose file
 * descriptor the backend maps too. All fields are little-endian, as virtio 1.x requires.
 *
 * <p>Addresses that come from the other side (a descriptor's {@code addr}, a used element's
 * length) are untrusted: {@link #slice} checks them and answers EIO, never an exception from
 * {@link ByteBuffer}. The primitive accessors take addresses the caller computed from its own
 * ring layout and are checked by the buffer only.
 */
public final class GuestMemory {
    private static final byte[] ZEROES = new byte[4096];
    private final long base;
    private final ByteBuffer buf;
    /** This process's address of the memory's first byte; 0 for heap memory. */
    private final long hostStart;

    /** Memory over {@code buf} (direct, shared with the device), starting at guest-physical {@code base}. */
    public GuestMemory(long base, ByteBuffer buf) {
        this.base = base;
        this.buf = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.buf.clear();
        this.hostStart = buf.isDirect() ? Pointer.nativeValue(Native.getDirectBufferPointer(buf)) : 0;
    }

    /** Fresh zeroed memory of the JVM's own, for in-process device models. */
    public static GuestMemory allocate(long base, int size) {
        return new GuestMemory(base, ByteBuffer.allocateDirect(size));
    }

    public long base() {
        return base;
    }

    public int size() {
        return buf.capacity();
    }

    /**
     * The guest-physical address of {@code b}'s remaining bytes when they lie inside this memory
     * (a slice of it, such as a driver's shared buffer), else -1: such a buffer needs no bounce
     * copy. Decided by the buffer's native address, so any view of the memory is recognised.
     */
    public long gpaOf(ByteBuffer b) {
        if (!b.isDirect() || hostStart == 0) {
            return -1;
        }
        long at = Pointer.nativeValue(Native.getDirectBufferPointer(b)) + b.position();
        long start = hostStart;
        if (at < start || at - start > buf.capacity() - b.remaining()) {
            return -1;
        }
        return base + (at - start);
    }

    /** Whether {@code [gpa, gpa+len)} lies inside this memory. */
    public boolean contains(long gpa, long len) {
        return len >= 0 && gpa >= base && gpa - base <= buf.capacity() - len;
    }

    /**
     * A little-endian view of {@code [gpa, gpa+len)}, position 0.
     *
     * @throws ErrnoException EIO when the range is not inside this memory
     */
    public ByteBuffer slice(long gpa, int len) throws ErrnoException {
        if (!contains(gpa, len)) {
            throw new ErrnoException(Errno.EIO, String.format("virtio: buffer 0x%x+%d outside guest memory 0x%x+%d", gpa, len, base,
                    buf.capacity()));
        }
        int off = (int) (gpa - base);
        return buf.slice(off, len).order(ByteOrder.LITTLE_ENDIAN);
    }

    private int at(long gpa) {
        return (int) (gpa - base);
    }

    public int getShort(long gpa) {
        return buf.getShort(at(gpa)) & 0xffff;
    }

    public void putShort(long gpa, int v) {
        buf.putShort(at(gpa), (short) v);
    }

    public int getInt(long gpa) {
        return buf.getInt(at(gpa));
    }

    public void putInt(long gpa, int v) {
        buf.putInt(at(gpa), v);
    }

    public long getLong(long gpa) {
        return buf.getLong(at(gpa));
    }

    public void putLong(long gpa, long v) {
        buf.putLong(at(gpa), v);
    }

    public byte getByte(long gpa) {
        return buf.get(at(gpa));
    }

    public void putByte(long gpa, int v) {
        buf.put(at(gpa), (byte) v);
    }

    /** Zeroes {@code [gpa, gpa+len)}. */
    public void zero(long gpa, int len) {
        int off = at(gpa);
        int n = Math.min(len, ZEROES.length);
        for (int done = 0; done < len; done += n) {
            buf.put(off + done, ZEROES, 0, Math.min(n, len - done));
        }
    }

    @Override
    public String toString() {
        return String.format("GuestMemory[0x%x+%d]", base, buf.capacity());
    }
}
