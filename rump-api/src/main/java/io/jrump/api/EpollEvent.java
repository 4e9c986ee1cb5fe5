package io.jrump.api;

/**
 * One ready entry as {@code epoll_wait} reports it, the Java form of {@code struct epoll_event}:
 * the ready events (the {@link PollFd} bits, which have the same values as Linux's
 * {@code EPOLLIN}, {@code EPOLLOUT}, {@code EPOLLERR}, {@code EPOLLHUP}) and the caller's data
 * given to {@code epoll_ctl}. The {@code EPOLL_CTL_*} operations have Linux's values
 * ({@code sys/epoll.h}).
 */
public final class EpollEvent {
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    private int events;
    private long data;

    public int events() {
        return events;
    }

    public long data() {
        return data;
    }

    /** Set by {@code epoll_wait}. */
    public void set(int events, long data) {
        this.events = events;
        this.data = data;
    }

    @Override
    public String toString() {
        return "EpollEvent[events=0x" + Integer.toHexString(events) + ", data=" + data + "]";
    }
}
