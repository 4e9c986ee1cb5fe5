package io.jrump.net.channels;

import io.jrump.api.RumpKernel;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
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
    private int deadFd = -1;

    KernelSelectorProvider(RumpKernel kernel) {
        this.kernel = kernel;
    }

    Syscalls sys() {
        return kernel.sys();
    }

    /**
     * A descriptor of a dead file (a pipe's read end whose write end is closed: end of file, hung
     * up) for {@link Descriptor#channelClosed}; made on first use and kept while the kernel lives.
     */
    synchronized int deadFd() throws IOException {
        if (deadFd < 0) {
            int[] p = KernelCalls.now(() -> sys().pipe());
            KernelCalls.closeQuietly(sys(), p[1]);
            deadFd = p[0];
        }
        return deadFd;
    }

    /** Whether the kernel has closed: a call it ended then failed because of that close. */
    boolean kernelClosed() {
        return kernel.isClosed();
    }

    String kernelName() {
        return kernel.name();
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return new KernelDatagramChannel(this, Errnos.socket(this, SocketConstants.SOCK_DGRAM));
    }

    /** IPv4 only: the kernel's stack has no IPv6 (the JDK answers an unsupported family the same way). */
    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        if (family != StandardProtocolFamily.INET) {
            throw new UnsupportedOperationException("protocol family " + family + " on " + kernel.name() + ": IPv4 only");
        }
        return openDatagramChannel();
    }

    @Override
    public Pipe openPipe() throws IOException {
        return KernelPipe.open(this);
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new KernelSelector(this);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return new KernelServerSocketChannel(this, Errnos.socket(this, SocketConstants.SOCK_STREAM));
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return new KernelSocketChannel(this, Errnos.socket(this, SocketConstants.SOCK_STREAM), false);
    }

    @Override
    public String toString() {
        return "KernelSelectorProvider[" + kernel.name() + "]";
    }
}
