package io.jrump.net.channels;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;
import java.util.concurrent.atomic.AtomicBoolean;

/** A registration of a kernel channel with a {@link KernelSelector}; a change of its interest set reaches the kernel at the next select. */
final class KernelSelectionKey extends AbstractSelectionKey {
    private final SelectableChannel channel;
    private final KernelSelector selector;
    private volatile int interestOps;
    private volatile int readyOps;
    /** The events of the kernel's epoll entry (0: none); the selector's lock guards it. */
    private int registeredEvents;
    /** Whether the key waits in the selector's update queue, so repeated changes queue it once. */
    final AtomicBoolean updateQueued = new AtomicBoolean();

    KernelSelectionKey(SelectableChannel channel, KernelSelector selector, int ops) {
        this.channel = channel;
        this.selector = selector;
        this.interestOps = ops;
    }

    KernelChannel kernelChannel() {
        return (KernelChannel) channel;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    @Override
    public int interestOps() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        return interestOps;
    }

    @Override
    public java.nio.channels.SelectionKey interestOps(int ops) {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("invalid ops 0x" + Integer.toHexString(ops) + " for " + channel);
        }
        interestOps = ops;
        selector.interestChanged(this);
        return this;
    }

    /**
     * The interest set whether the key is valid or not: the selector's own read, since another
     * thread may cancel the key (by closing its channel) at any moment of a select, and
     * {@link #interestOps()} then throws.
     */
    int interest() {
        return interestOps;
    }

    @Override
    public int readyOps() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        return readyOps;
    }

    /** The ready set whether the key is valid or not (see {@link #interest()}). */
    int ready() {
        return readyOps;
    }

    void readyOps(int ops) {
        readyOps = ops;
    }

    int registeredEvents() {
        return registeredEvents;
    }

    void registeredEvents(int events) {
        registeredEvents = events;
    }
}
