/**
 * The buffer cache (NetBSD's {@code bio}): blocks of a device in memory, read once and written
 * back on sync and at unmount, bounded by the mount's {@code cache} option.
 */
package io.jrump.fs.bio;
