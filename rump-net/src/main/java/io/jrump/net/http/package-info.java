/**
 * A program on a kernel's sockets, not part of the stack: an HTTP/1.1 file server that serves
 * a kernel's files through its system calls ({@code rump serve}).
 */
package io.jrump.net.http;
