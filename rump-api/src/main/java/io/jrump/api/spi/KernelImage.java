package io.jrump.api.spi;

import io.jrump.api.RumpKernel;

/** A linked configuration: boots kernels without looking anything up again. Thread-safe. */
public interface KernelImage {
    RumpKernel boot();
}
