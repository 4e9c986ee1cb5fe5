package io.jrump.net.channels;

import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The provider behind {@link KernelChannels#provider}. The JDK's
 * {@link java.nio.channels.spi.AbstractSelectableChannel#register} only accepts a selector of the
 * channel's own provider, so one instance ties a kernel's channels and selectors together.
 */
class KernelSelectorProvider extends SelectorProvider {
    private final RumpKernel kernel;

    KernelSelectorProvider(RumpKernel kernel) {
        this.kernel = kernel;
    }

    Syscalls sys() {
        return kernel.sys();
    }

    String kernelName() {
        return kernel.name();
    }

    @Override
    public DatagramChannel openDatagramChannel() {
        throw new UnsupportedOperationException("datagram channels on " + kernel.name());
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) {
        throw new UnsupportedOperationException("datagram channels on " + kernel.name());
    }

    @Override
    public Pipe openPipe() {
        throw new UnsupportedOperationException("pipes on " + kernel.name());
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new KernelSelector(this);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return new KernelServerSocketChannel(this, Errnos.socket(this));
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return new KernelSocketChannel(this, Errnos.socket(this), false);
    }

    @Override
    public String toString() {
        return "KernelSelectorProvider[" + kernel.name() + "]";
    }
}
