/**
 * The VFS faction's component ({@code VfsComponent}, layer 4): it mounts the root file system
 * at boot from the kernel's options and registers the VFS as the kernel's path calls. Its option
 * names are exported to the CLI.
 */
package io.jrump.fs;
