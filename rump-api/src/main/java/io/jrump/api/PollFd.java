package io.jrump.api;

/**
 * One entry of a {@code poll} set, the Java form of {@code struct pollfd}: the caller sets
 * {@code fd} and {@code events}, {@code poll} fills in {@link #revents()}.
 */
public final class PollFd {
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    public static final int POLLRDNORM = 0x040;
    public static final int POLLWRNORM = 0x100;

    private final int fd;
    private final int events;
    private int revents;

    public PollFd(int fd, int events) {
        this.fd = fd;
        this.events = events;
    }

    public int fd() {
        return fd;
    }

    public int events() {
        return events;
    }

    public int revents() {
        return revents;
    }

    /** Set by {@code poll}. */
    public void revents(int revents) {
        this.revents = revents;
    }

    @Override
    public String toString() {
        return "PollFd[fd=" + fd + ", events=0x" + Integer.toHexString(events) + ", revents=0x" + Integer.toHexString(revents) + "]";
    }
}
