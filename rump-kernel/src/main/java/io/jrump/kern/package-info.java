/**
 * What the file systems and the network stack plug into (NetBSD's {@code sys/sys} headers
 * rather than {@code kern}): the open file behind every descriptor ({@link io.jrump.kern.KFile},
 * {@link io.jrump.kern.SocketFile}), credentials and the calling process
 * ({@link io.jrump.kern.Cred}, {@link io.jrump.kern.Caller}), the calls a faction serves
 * ({@link io.jrump.kern.PathCalls}, {@link io.jrump.kern.SocketCalls}) and poll's wait sets.
 * Exported to the project's factions only; the kernel itself is in
 * {@code io.jrump.kern.internal}.
 */
package io.jrump.kern;
