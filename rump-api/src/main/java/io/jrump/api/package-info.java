/**
 * The public API, what a program that uses a kernel holds: {@link io.jrump.api.Rump} and its
 * builder, the kernel and its processes, {@link io.jrump.api.Syscalls} (POSIX names and argument
 * order), the result records and constants, {@link io.jrump.api.ErrnoException}, and the two
 * device interfaces drivers are written against, {@link io.jrump.api.BlockDevice} and
 * {@link io.jrump.api.NetDevice}. It knows no implementation: the kernel is found as a service.
 */
package io.jrump.api;
