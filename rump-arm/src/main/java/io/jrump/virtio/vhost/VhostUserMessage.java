package io.jrump.virtio.vhost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * vhost-user messages, after QEMU's {@code docs/interop/vhost-user.rst}: a 12-byte header
 * ({@code request}, {@code flags}, {@code size}, native byte order, little-endian on every host
 * this runs on) and a payload of {@code size} bytes. File descriptors travel beside the bytes
 * (SCM_RIGHTS).
 */
final class VhostUserMessage {
    private VhostUserMessage() {
    }

    static final int HEADER_SIZE = 12;
    /** Flags: protocol version 1 in the low two bits; REPLY from the backend; NEED_REPLY asks for an ack. */
    static final int VERSION = 0x1;
    static final int FLAG_REPLY = 0x4;
    static final int FLAG_NEED_REPLY = 0x8;
    /** The largest payload a reply may carry (a memory table of 8 regions is the largest message). */
    static final int MAX_PAYLOAD = 4096;

    // Front-end requests
    static final int GET_FEATURES = 1;
    static final int SET_FEATURES = 2;
    static final int SET_OWNER = 3;
    static final int SET_MEM_TABLE = 5;
    static final int SET_VRING_NUM = 8;
    static final int SET_VRING_ADDR = 9;
    static final int SET_VRING_BASE = 10;
    static final int GET_VRING_BASE = 11;
    static final int SET_VRING_KICK = 12;
    static final int SET_VRING_CALL = 13;
    static final int GET_PROTOCOL_FEATURES = 15;
    static final int SET_PROTOCOL_FEATURES = 16;
    static final int GET_QUEUE_NUM = 17;
    static final int SET_VRING_ENABLE = 18;
    static final int GET_CONFIG = 24;

    /** Feature bit 30 of GET_FEATURES: the backend speaks protocol features. */
    static final int F_PROTOCOL_FEATURES = 30;
    // Protocol feature bits
    static final int PF_MQ = 0;
    static final int PF_REPLY_ACK = 3;
    static final int PF_CONFIG = 9;

    /** struct vhost_user_memory_region: guest_phys_addr, memory_size, userspace_addr, mmap_offset. */
    static final int REGION_SIZE = 32;
    /** struct vhost_vring_addr: index, flags, desc, used, avail, log (u32, u32, 4 x u64). */
    static final int VRING_ADDR_SIZE = 40;
    /** Config payload header: offset, size, flags. */
    static final int CONFIG_HEADER = 12;

    /** A request of {@code payload} bytes, header filled in. */
    static ByteBuffer request(int request, int payload, boolean needReply) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, request);
        b.putInt(4, VERSION | (needReply ? FLAG_NEED_REPLY : 0));
        b.putInt(8, payload);
        return b;
    }

    static String name(int request) {
        return switch (request) {
            case GET_FEATURES -> "GET_FEATURES";
            case SET_FEATURES -> "SET_FEATURES";
            case SET_OWNER -> "SET_OWNER";
            case SET_MEM_TABLE -> "SET_MEM_TABLE";
            case SET_VRING_NUM -> "SET_VRING_NUM";
            case SET_VRING_ADDR -> "SET_VRING_ADDR";
            case SET_VRING_BASE -> "SET_VRING_BASE";
            case GET_VRING_BASE -> "GET_VRING_BASE";
            case SET_VRING_KICK -> "SET_VRING_KICK";
            case SET_VRING_CALL -> "SET_VRING_CALL";
            case GET_PROTOCOL_FEATURES -> "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES -> "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM -> "GET_QUEUE_NUM";
            case SET_VRING_ENABLE -> "SET_VRING_ENABLE";
            case GET_CONFIG -> "GET_CONFIG";
            default -> "request " + request;
        };
    }
}
