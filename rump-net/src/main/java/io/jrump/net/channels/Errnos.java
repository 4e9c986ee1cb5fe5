package io.jrump.net.channels;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.SocketConstants;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * Turns the kernel's errno into the exception the JDK's own channels throw for the same
 * condition, so code written against {@code sun.nio.ch} catches what it expects
 * ({@code ConnectException: Connection refused}, {@code BindException}, ...). Errors with no JDK
 * counterpart stay {@link ErrnoException}s, which are {@link IOException}s naming the call.
 */
final class Errnos {
    private Errnos() {
    }

    static IOException map(ErrnoException e) {
        IOException mapped = switch (e.errno()) {
            case ECONNREFUSED -> new ConnectException("Connection refused");
            case ETIMEDOUT -> new ConnectException("Connection timed out");
            case EHOSTUNREACH, ENETUNREACH -> new NoRouteToHostException(e.errno().description());
            case EADDRINUSE -> new BindException("Address already in use");
            case EADDRNOTAVAIL -> new BindException("Cannot assign requested address");
            case EACCES -> new BindException("Permission denied");
            case ECONNRESET -> new SocketException("Connection reset");
            case EPIPE -> new IOException("Broken pipe");
            case EBADF -> new ClosedChannelException();
            default -> null;
        };
        if (mapped == null) {
            return e;
        }
        mapped.initCause(e);
        return mapped;
    }

    /** A closed kernel answers every later call with this: the JDK says the channel is closed. */
    static ClosedChannelException closed(KernelClosedException e) {
        ClosedChannelException c = new ClosedChannelException();
        c.initCause(e);
        return c;
    }

    /** A new IPv4 socket of {@code type} (SOCK_STREAM, SOCK_DGRAM) in the provider's kernel. */
    static int socket(KernelSelectorProvider p, int type) throws IOException {
        return KernelCalls.now(() -> p.sys().socket(SocketConstants.AF_INET, type, 0));
    }

    /** Checks an address the way the JDK's channels do: IPv4 only, resolved. */
    static InetSocketAddress inet(SocketAddress a) {
        if (!(a instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }
}
