/**
 * tmpfs: a file system in memory, bounded in pages and nodes, the default root of a kernel.
 */
package io.jrump.fs.tmpfs;
