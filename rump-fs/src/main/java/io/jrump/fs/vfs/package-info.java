/**
 * The VFS (NetBSD's {@code vfs}): name lookup ({@code Namei}), the mount table, permission
 * checks, open files on vnodes, and the path system calls; {@code Vnode}, {@code FileSystem}
 * and {@code FileSystemType} are what every file system implements, and {@code MountRequest}
 * is all a file system is given: its device, the clock and a logger, never the platform.
 */
package io.jrump.fs.vfs;
