package io.jrump.net.dev;

import io.jrump.api.NetDevice;
import io.jrump.net.link.ClockedDevice;
import io.jrump.net.link.NetClock;

/**
 * The base of devices that wrap another (smoltcp's phy middleware): identity, MTU, link state
 * and the virtual clock come from the wrapped device, so wrappers stack in any order.
 * Offloads are deliberately not forwarded here: a wrapper that sees or changes the bytes must
 * decide whether the wrapped device's promises still hold, so each wrapper answers
 * {@code offloads()} itself (none, by the interface's default).
 */
abstract class DeviceWrapper implements ClockedDevice {
    final NetDevice inner;
    final NetClock virtualClock;

    DeviceWrapper(NetDevice inner) {
        this.inner = inner;
        this.virtualClock = ClockedDevice.clockOf(inner);
    }

    @Override
    public final NetClock clock() {
        return virtualClock;
    }

    @Override
    public final byte[] macAddress() {
        return inner.macAddress();
    }

    @Override
    public final int mtu() {
        return inner.mtu();
    }

    @Override
    public final boolean isLinkUp() {
        return inner.isLinkUp();
    }
}
