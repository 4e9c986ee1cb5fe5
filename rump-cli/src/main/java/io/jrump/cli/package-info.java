/**
 * The {@code rump} command (layer 6): tours of a kernel (files, pipes, ext2, the network, a
 * fleet), tools for disk images addressed as {@code IMAGE:PATH} (ls, cat, cp, mkfs, ...), and
 * {@code rump serve}.
 */
package io.jrump.cli;
