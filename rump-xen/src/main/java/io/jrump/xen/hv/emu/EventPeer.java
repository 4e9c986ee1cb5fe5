package io.jrump.xen.hv.emu;

/** Whatever receives a port's notifications: another emulated port, or a process outside ({@link EventChannelBroker}). */
interface EventPeer {
    void signal();
}
