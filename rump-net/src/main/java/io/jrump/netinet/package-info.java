/**
 * The network faction (layer 4, NetBSD's {@code netinet}): the stack of one kernel, ARP, IPv4
 * with fragments and routes, ICMP, UDP, the socket layer and the component that registers the
 * kernel's socket calls; TCP plugs in as a {@code TransportFactory}.
 */
package io.jrump.netinet;
