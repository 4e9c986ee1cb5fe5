/**
 * Choosing the platform a kernel runs on: the builder's name, the {@code jrump.platform}
 * property, the {@code JRUMP_PLATFORM} variable, else the supported provider of highest
 * priority; a name given is binding, and failing lists every provider with its probe. Exported
 * to the CLI only, for {@code rump version}.
 */
package io.jrump.kern.platform;
