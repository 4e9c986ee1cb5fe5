/**
 * Making file systems on a block device: ext2 laid out the way {@code mke2fs} lays it out
 * ({@code Ext2Geometry}), so the same size gives the same file system.
 */
package io.jrump.fs.mkfs;
