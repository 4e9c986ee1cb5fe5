package io.jrump.net.link;

import io.jrump.api.NetDevice;

/**
 * A device that lives in virtual time. When an interface is created on a device whose
 * {@link #clock()} is not null, the kernel's network stack switches to that clock, so every
 * kernel on a simulated {@link io.jrump.net.dev.EthernetBus} shares one virtual time line. Wrappers
 * ({@link io.jrump.net.dev.LinkEmulator}, {@link io.jrump.net.dev.PcapWriter}) pass the clock of the device they wrap through.
 */
public interface ClockedDevice extends NetDevice {
    /** The virtual clock of this device, or {@code null} when it runs in real time. */
    NetClock clock();

    /** The clock of {@code device} if it has one, else {@code null}. */
    static NetClock clockOf(NetDevice device) {
        return device instanceof ClockedDevice c ? c.clock() : null;
    }
}
