/**
 * The default platform, the host JVM (layer 1): clocks, entropy, kernel threads, timers shared
 * by a provider's kernels so an idle kernel owns no thread, the devices a configuration names
 * (files, memory, TAP devices through JNA), and {@code HostTools}, which finds the host's tools.
 */
package io.jrump.platform.host;
