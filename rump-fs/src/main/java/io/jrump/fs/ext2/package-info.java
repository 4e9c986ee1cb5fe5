/**
 * ext2 (and ext3 with a clean journal as ext2, ext4 read-only) on a block device (layer 5):
 * the mounted file system, its nodes, block maps, directories, the allocator, and the checks
 * that keep a write from spreading damage (the system zone, the map scan). Reads blocks through
 * {@code io.jrump.fs.bio}, never the device directly.
 */
package io.jrump.fs.ext2;
