/**
 * An adapter to the Java world (layer 6): a {@code java.nio.file} provider for disk images
 * ({@code rump:} URIs), which boots a kernel per mounted image, recognises its file system
 * type, and maps NIO's calls and errors onto the kernel's system calls.
 */
package io.jrump.fs.nio;
