/**
 * ext2 through jrump against Linux's ext2 (loop mount) and fuse2fs on the same image and
 * workload.
 */
package io.jrump.bench.fs;
