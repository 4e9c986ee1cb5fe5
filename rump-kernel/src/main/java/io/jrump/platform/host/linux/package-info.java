/**
 * The host's C library as jrump calls it: one JNA binding of the Linux calls (files, ioctl,
 * sockets with descriptors passed, poll, eventfd, memfd and mmap) shared by the host platform's
 * TAP devices and by the platform modules (vhost-user for {@code rump-arm}, the Xen emulation's
 * shared pages for {@code rump-xen}), probed once.
 */
package io.jrump.platform.host.linux;
