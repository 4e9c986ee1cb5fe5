package io.jrump.net.dev;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.net.wire.PartialChecksum;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

/**
 * Wraps any {@link NetDevice} and records every frame it transmits and receives in the classic
 * libpcap format (pcap-savefile(5): magic 0xa1b2c3d4, version 2.4, microsecond stamps,
 * LINKTYPE_ETHERNET), so {@code tcpdump -r} and Wireshark read what a kernel saw.
 *
 * <p>Time stamps come from the wrapped device's virtual clock when it has one (the capture of a
 * simulated run starts at the epoch and is reproducible byte for byte), otherwise from the wall
 * clock. The writer is synchronized: transmit and receive may run on different threads.
 *
 * <p>The wrapped device's checksum offloads pass through, so capturing does not change what the
 * stack computes; but the file must hold what a real wire would: a frame with a partial
 * transport checksum ({@link PartialChecksum}) is written from a copy with the checksum filled
 * in, as the NIC would have sent it. Only frames that may carry the mark are touched (sent with
 * {@code TX_CHECKSUM}, received with {@code RX_CHECKSUM}); a wrong checksum is recorded as it is.
 * Segmentation offload passes through too: the file then holds TCP segments larger than the
 * MTU, as tcpdump on a Linux veth or {@code lo} shows them.
 */
public final class PcapWriter extends DeviceWrapper {
    /** pcap-savefile(5) constants. */
    private static final int MAGIC = 0xa1b2c3d4;
    private static final short VERSION_MAJOR = 2;
    private static final short VERSION_MINOR = 4;
    private static final int SNAPLEN = 262144;
    /** LINKTYPE_ETHERNET from the tcpdump.org link-type registry. */
    private static final int LINKTYPE_ETHERNET = 1;

    private final OutputStream out;
    private final ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    private IOException failure;
    private boolean closed;

    /** Records into a new file at {@code file} (replaced if it exists). */
    public PcapWriter(NetDevice inner, Path file) throws IOException {
        this(inner, Files.newOutputStream(file));
    }

    /** Records into {@code out}, which this writer closes. */
    public PcapWriter(NetDevice inner, OutputStream out) throws IOException {
        super(inner);
        this.out = new BufferedOutputStream(out, 1 << 16);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC).putShort(VERSION_MAJOR).putShort(VERSION_MINOR).putInt(0).putInt(0).putInt(SNAPLEN).putInt(LINKTYPE_ETHERNET);
        this.out.write(h.array());
    }

    @Override
    public Set<Offload> offloads() {
        return inner.offloads();
    }

    /** Records {@code frame}; {@code offloaded} when it may carry a partial checksum. */
    private synchronized void write(ByteBuffer frame, boolean offloaded) {
        if (closed || failure != null) {
            return;
        }
        if (offloaded && PartialChecksum.isPartialFrame(frame)) {
            ByteBuffer c = MemoryDevice.copy(frame);
            PartialChecksum.completeFrame(c);
            frame = c;
        }
        long nanos;
        if (virtualClock != null) {
            nanos = virtualClock.nanos();
        } else {
            Instant t = Instant.now();
            nanos = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }
        int len = frame.remaining();
        int caplen = Math.min(len, SNAPLEN);
        record.clear();
        record.putInt((int) (nanos / 1_000_000_000L)).putInt((int) (nanos % 1_000_000_000L / 1000)).putInt(caplen).putInt(len);
        try {
            out.write(record.array());
            if (frame.hasArray()) {
                out.write(frame.array(), frame.arrayOffset() + frame.position(), caplen);
            } else {
                byte[] b = new byte[caplen];
                frame.get(frame.position(), b);
                out.write(b);
            }
        } catch (IOException e) {
            failure = e;
        }
    }

    /** Pushes buffered records to the file; fails with the first write error seen so far. */
    public synchronized void flush() throws IOException {
        if (failure != null) {
            throw failure;
        }
        out.flush();
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        write(frame, inner.offloads().contains(Offload.TX_CHECKSUM));
        inner.transmit(frame);
    }

    @Override
    public void receiver(Receiver receiver) {
        inner.receiver(receiver == null ? null : frame -> {
            write(frame, inner.offloads().contains(Offload.RX_CHECKSUM));
            receiver.receive(frame);
        });
    }

    /** The first write error, or {@code null}: kept rather than thrown into the stack's transmit path. */
    public synchronized IOException error() {
        return failure;
    }

    /** Closes the wrapped device and the file. A write error is kept for {@link #error()}, not thrown: a kernel's close must finish. */
    @Override
    public void close() {
        inner.close();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                out.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }
}
