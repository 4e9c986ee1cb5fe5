package io.jrump.net;

import io.jrump.api.NetDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A device for driving one {@link NetIf} by hand: MAC 02:00:00:00:00:01, MTU 1500, the link
 * up, the offloads it is given. It keeps what the interface transmits (the buffers as handed
 * over, not copies) and the receiver, through which a test hands the interface frames.
 */
final class StubWire implements NetDevice {
    final Set<Offload> offloads;
    final List<ByteBuffer> frames = new ArrayList<>();
    Receiver receiver;

    StubWire(Set<Offload> offloads) {
        this.offloads = offloads;
    }

    @Override
    public byte[] macAddress() {
        return new byte[] {2, 0, 0, 0, 0, 1};
    }

    @Override
    public int mtu() {
        return 1500;
    }

    @Override
    public void transmit(ByteBuffer frame) {
        frames.add(frame);
    }

    @Override
    public void receiver(Receiver r) {
        receiver = r;
    }

    @Override
    public boolean isLinkUp() {
        return true;
    }

    @Override
    public Set<Offload> offloads() {
        return offloads;
    }

    @Override
    public void close() {
    }
}
