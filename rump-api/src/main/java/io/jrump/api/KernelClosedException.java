package io.jrump.api;

/** A call reached a kernel (or a process) that has been closed. The message names the kernel. */
public class KernelClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public KernelClosedException(String message) {
        super(message);
    }
}
