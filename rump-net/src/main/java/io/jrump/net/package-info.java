/**
 * The link layer of the stack: a network interface ({@code NetIf}) on a
 * {@code NetDevice}, which takes frames from the device and hands them to the protocols.
 */
package io.jrump.net;
