/**
 * What a network device may offer the stack beyond {@code NetDevice}, in one small package
 * below both the devices and the stack: taking frames by reference
 * ({@link io.jrump.net.link.FrameTaker}, with {@link io.jrump.api.FrameLease} counting who
 * still uses lent memory) and a clock of its own ({@link io.jrump.net.link.ClockedDevice},
 * {@link io.jrump.net.link.NetClock}), as a simulated bus's ports have.
 */
package io.jrump.net.link;
