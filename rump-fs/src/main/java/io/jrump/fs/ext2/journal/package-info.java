/**
 * The ext3/ext4 journal (jbd2): its superblock and blocks, and the replay of committed
 * transactions into a device seen through the replay before a mount.
 */
package io.jrump.fs.ext2.journal;
