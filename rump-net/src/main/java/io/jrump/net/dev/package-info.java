/**
 * Network devices that compose (smoltcp's {@code phy}, layer 5): memory devices, an Ethernet
 * bus joining kernels, loopback, a link emulator (loss, delay, reordering) and a pcap writer
 * wrapped around any device, and the discrete-event {@code Simulation} that gives a bus virtual
 * time. Never imports the stack.
 */
package io.jrump.net.dev;
