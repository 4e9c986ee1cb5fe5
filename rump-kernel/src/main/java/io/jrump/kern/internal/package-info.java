/**
 * The base kernel itself (layer 3, rump's librump): a kernel instance and its processes,
 * descriptor tables, pipes, poll, the system call layer that every {@code Syscalls} call enters
 * ({@code SyscallLayer}), the components' registry, and the factory that links a configuration.
 * Not exported: programs reach it through {@code io.jrump.api} and the {@code KernelFactory}
 * service, factions through {@code io.jrump.kern}.
 */
package io.jrump.kern.internal;
