/**
 * Block devices that need no platform of their own (layer 2): an image file
 * ({@link io.jrump.dev.FileBlockDevice}, locked against other writers), memory, and a wrapper
 * that injects faults. A program may hand any of them to a kernel.
 */
package io.jrump.dev;
