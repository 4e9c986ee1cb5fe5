package io.jrump.net.channels;

import static io.jrump.api.SocketConstants.*;

import io.jrump.api.Syscalls;
import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Set;

/** The {@link StandardSocketOptions} the kernel's TCP and UDP have, as {@code setsockopt} levels and names. */
final class SocketOptions {
    static final Set<SocketOption<?>> STREAM = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_LINGER,
            StandardSocketOptions.TCP_NODELAY);
    static final Set<SocketOption<?>> LISTEN = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
    static final Set<SocketOption<?>> DATAGRAM = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_BROADCAST);

    private SocketOptions() {
    }

    static <T> void set(Syscalls sys, int fd, Set<SocketOption<?>> supported, SocketOption<T> name, T value) throws IOException {
        check(supported, name);
        if (value == null) {
            throw new IllegalArgumentException("null value for " + name);
        }
        int v;
        if (value instanceof Boolean b) {
            v = b ? 1 : 0;
        } else {
            v = (Integer) value;
            if (name != StandardSocketOptions.SO_LINGER && v < 0) {
                throw new IllegalArgumentException("negative value for " + name);
            }
            if (name == StandardSocketOptions.SO_LINGER && v < 0) {
                v = -1; // the JDK: a negative linger turns it off
            }
        }
        int value32 = v;
        KernelCalls.run(() -> sys.setsockopt(fd, level(name), option(name), value32));
    }

    @SuppressWarnings("unchecked")
    static <T> T get(Syscalls sys, int fd, Set<SocketOption<?>> supported, SocketOption<T> name) throws IOException {
        check(supported, name);
        int v = KernelCalls.now(() -> sys.getsockopt(fd, level(name), option(name)));
        if (name.type() == Boolean.class) {
            return (T) Boolean.valueOf(v != 0);
        }
        return (T) Integer.valueOf(v);
    }

    private static void check(Set<SocketOption<?>> supported, SocketOption<?> name) {
        if (name == null) {
            throw new NullPointerException("option");
        }
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
    }

    private static int level(SocketOption<?> name) {
        return name == StandardSocketOptions.TCP_NODELAY ? IPPROTO_TCP : SOL_SOCKET;
    }

    private static int option(SocketOption<?> name) {
        if (name == StandardSocketOptions.SO_RCVBUF) {
            return SO_RCVBUF;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            return SO_SNDBUF;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            return SO_KEEPALIVE;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            return SO_REUSEADDR;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            return SO_LINGER;
        } else if (name == StandardSocketOptions.SO_BROADCAST) {
            return SO_BROADCAST;
        }
        return TCP_NODELAY;
    }
}
