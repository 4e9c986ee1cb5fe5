package io.jrump.api;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * An Ethernet interface: frames in, frames out. Network drivers see nothing of the platform
 * but this interface, so a TAP device, an in-memory bus, Xen netfront and virtio-net serve
 * the same stack. Devices compose: a fault injector or a pcap writer wraps another device.
 */
public interface NetDevice extends AutoCloseable {

    /** Receives frames; called on the device's receive thread (or the sender's thread for in-memory devices). */
    @FunctionalInterface
    interface Receiver {
        /** {@code frame} is valid only during the call. */
        void receive(ByteBuffer frame);

        /**
         * Receives one frame of a burst, as a NAPI poll hands a driver's frames up: with
         * {@code more} the device delivers the next frame of the same burst right after this
         * call returns, on the same thread, and the last frame of the burst comes with
         * {@code more} false. A receiver may hold frames (in a copy: {@code frame} is still
         * valid only during the call) until the burst ends, to take in-order TCP segments of one
         * flow as one (software GRO), so that TCP input and its ACK run once per burst instead
         * of once per frame. A device that does not batch calls {@link #receive(ByteBuffer)},
         * which is the same as {@code more} false; this default ignores the hint.
         */
        default void receive(ByteBuffer frame, boolean more) {
            receive(frame);
        }
    }

    /**
     * Work the device can do for the stack.
     *
     * <p>Checksum offload: with TX_CHECKSUM the stack may send TCP/UDP checksums left zero
     * ("partial"), every receiver must then offer RX_CHECKSUM (frames stay in memory), and a
     * wrapper that withholds one must compute or verify in its place.
     *
     * <p>Segmentation offload: with SEGMENTATION the device carries IPv4 datagrams of TCP up to
     * 65,535 bytes whole, whatever its MTU, and every receiver on the link takes them as they
     * are, as Linux's TSO and GRO do between a veth pair or on {@code lo}: the stack then sends
     * one large segment where it would send many MSS-sized ones. A device that puts frames on a
     * wire of that MTU, or a wrapper that models such a wire (loss, rate), must not offer it.
     */
    enum Offload {
        TX_CHECKSUM,
        RX_CHECKSUM,
        SEGMENTATION
    }

    /** The 6-byte MAC address. */
    byte[] macAddress();

    /** The largest payload of a frame, without the 14-byte Ethernet header. */
    int mtu();

    /** Sends one frame (Ethernet header included) from its position to its limit. */
    void transmit(ByteBuffer frame) throws ErrnoException;

    /**
     * Sends one frame like {@link #transmit}, and gives its buffer up: the caller never reads or
     * writes it again, so a device that keeps frames (an in-memory wire whose receivers hold
     * them) may take it as it is instead of copying it, as Linux's drivers take an skb. A
     * driver that owns a fresh copy of a frame (a backend that copied it out of a guest's
     * pages) hands it on this way. The default copies, as {@link #transmit} does.
     *
     * <p>A sender that recycles its buffers lends them instead of giving them up: it names the
     * frame's array and its {@link FrameLease} for the length of this call
     * ({@link FrameLease#startSending}), and fills the array again only once the lease is
     * {@linkplain FrameLease#isFree() free}. So a device that keeps the frame past the call
     * (or hands it to a receiver that does) retains the lease {@link FrameLease#of} names for
     * the frame's array, and releases it when done.
     */
    default void transmitTaken(ByteBuffer frame) throws ErrnoException {
        transmit(frame);
    }

    /** Sets where received frames go; {@code null} drops them. */
    void receiver(Receiver receiver);

    boolean isLinkUp();

    default Set<Offload> offloads() {
        return Set.of();
    }

    @Override
    void close();
}
