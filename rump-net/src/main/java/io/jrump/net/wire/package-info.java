/**
 * Wire formats as typed, zero-copy views over byte buffers (Ethernet, ARP, IPv4, ICMP, UDP,
 * TCP and its options, checksums), each with a check of what it is given, kept apart from the
 * protocol state machines.
 */
package io.jrump.net.wire;
