/**
 * ext2/ext4 on-disk structures as typed views over byte buffers (superblock, group
 * descriptors, inodes, directory records, extent and hashed-directory nodes, checksums), each
 * checking what it reads: the layouts of the ext4 wiki's "Ext4 Disk Layout" and e2fsprogs'
 * {@code ext2_fs.h}.
 */
package io.jrump.fs.ext2.disk;
