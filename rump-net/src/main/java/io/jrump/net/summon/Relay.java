package io.jrump.net.summon;

import io.jrump.api.RumpKernel;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Carries connections a host socket accepted into a kernel's own TCP/IP stack (port
 * forwarding, as QEMU's {@code hostfwd}), for services summoned by a listen address.
 */
public interface Relay {

    /** The way into one booted kernel; closed before the kernel shuts down. */
    interface Link extends AutoCloseable {
        /**
         * Takes over {@code client}: carries its bytes to the service's port in the kernel and
         * back, on threads of its own, and closes it when either side is done. {@code traffic}
         * is called with every count of bytes carried, either way.
         */
        void carry(SocketChannel client, java.util.function.LongConsumer traffic) throws IOException;

        @Override
        void close();
    }

    /** Connects to a kernel just booted, whose service listens on {@code port}. */
    Link attach(RumpKernel kernel, int port) throws IOException;
}
