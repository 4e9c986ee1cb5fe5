package io.jrump.net.summon;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A summoned kernel's handle on a real device (a TAP, a bus port) that outlives the kernel:
 * it shows the device's MAC, MTU and offloads and sends frames out unchanged, while received
 * frames reach the kernel only through the subclass. Detaching it, as the kernel's shutdown
 * does, drops the kernel's receiver and takes the link down for it; the real device is the
 * owner's to close.
 */
abstract class DevicePort implements NetDevice {
    final NetDevice inner;
    private volatile Receiver receiver;
    private volatile boolean closed;

    DevicePort(NetDevice inner) {
        this.inner = inner;
    }

    /** The kernel's receiver, or null when it has none (not yet attached, or detached). */
    final Receiver attached() {
        return receiver;
    }

    final boolean isDetached() {
        return closed;
    }

    /** Drops the kernel's receiver; true the first time only. */
    final boolean detach() {
        if (closed) {
            return false;
        }
        closed = true;
        receiver = null;
        return true;
    }

    @Override
    public byte[] macAddress() {
        return inner.macAddress();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        inner.transmit(frame);
    }

    @Override
    public void receiver(Receiver r) {
        receiver = r;
    }

    @Override
    public boolean isLinkUp() {
        return !closed && inner.isLinkUp();
    }

    @Override
    public Set<Offload> offloads() {
        return inner.offloads();
    }
}
