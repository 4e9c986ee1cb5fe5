/**
 * A program on a kernel's sockets, not part of the stack: connections accepted on the host,
 * relayed into a kernel's TCP.
 */
package io.jrump.net.hostfwd;
