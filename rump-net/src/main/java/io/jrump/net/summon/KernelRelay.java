package io.jrump.net.summon;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * A {@link Relay} through a second, small kernel: an {@link EthernetBus} joins the service's
 * kernel (interface {@value #IFNAME}, {@value #SERVICE_IP}) and a gateway kernel
 * ({@value #GATEWAY_IP}); for each host connection the gateway opens a jrump TCP connection to
 * the service and two threads copy bytes between it and the host socket, passing half-closes
 * on. Every byte thus crosses the service kernel's TCP as it would from a real client. The
 * gateway boots with accounting off: its work is the relay's, not the service's.
 */
public final class KernelRelay implements Relay {
    static final String IFNAME = "relay0";
    static final String SERVICE_IP = "10.255.255.2";
    static final String GATEWAY_IP = "10.255.255.1";
    private static final int CHUNK = 64 * 1024;

    @Override
    public Link attach(RumpKernel kernel, int port) throws IOException {
        EthernetBus bus = new EthernetBus();
        kernel.netconfig().ifcreate(IFNAME, bus.port());
        kernel.netconfig().ipv4Address(IFNAME, SERVICE_IP + "/30");
        kernel.netconfig().up(IFNAME);
        RumpKernel gateway = Rump.builder().component("net").option("accounting", "off").boot();
        try {
            gateway.netconfig().ifcreate(IFNAME, bus.port());
            gateway.netconfig().ipv4Address(IFNAME, GATEWAY_IP + "/30");
            gateway.netconfig().up(IFNAME);
        } catch (ErrnoException e) {
            gateway.close();
            throw e;
        }
        InetSocketAddress service = new InetSocketAddress(InetAddress.getByName(SERVICE_IP), port);
        return new Link() {
            @Override
            public void carry(SocketChannel client, LongConsumer traffic) throws IOException {
                Syscalls sys = gateway.sys();
                int fd = sys.socket(SocketConstants.AF_INET, SocketConstants.SOCK_STREAM, 0);
                try {
                    sys.connect(fd, service);
                } catch (ErrnoException e) {
                    sys.close(fd);
                    throw e;
                }
                Pipes p = new Pipes(sys, fd, client, traffic);
                start("relay-in", p::hostToKernel);
                start("relay-out", p::kernelToHost);
            }

            @Override
            public void close() {
                gateway.close();
            }
        };
    }

    private static void start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    /** The two directions of one relayed connection; the last to finish closes both ends. */
    private static final class Pipes {
        private final Syscalls sys;
        private final int fd;
        private final SocketChannel client;
        private final LongConsumer traffic;
        private int done;

        Pipes(Syscalls sys, int fd, SocketChannel client, LongConsumer traffic) {
            this.sys = sys;
            this.fd = fd;
            this.client = client;
            this.traffic = traffic;
        }

        void hostToKernel() {
            ByteBuffer b = ByteBuffer.allocate(CHUNK);
            try {
                while (client.read(b.clear()) > 0) {
                    b.flip();
                    traffic.accept(b.remaining());
                    while (b.hasRemaining()) {
                        sys.write(fd, b);
                    }
                }
                sys.shutdown(fd, SocketConstants.SHUT_WR);
            } catch (IOException | KernelClosedException e) {
                abort(); // either end went away: the other direction must not wait on it
            }
            finished();
        }

        void kernelToHost() {
            ByteBuffer b = ByteBuffer.allocate(CHUNK);
            try {
                while (sys.read(fd, b.clear()) > 0) {
                    b.flip();
                    traffic.accept(b.remaining());
                    while (b.hasRemaining()) {
                        client.write(b);
                    }
                }
                client.shutdownOutput();
            } catch (IOException | KernelClosedException e) {
                abort();
            }
            finished();
        }

        private void abort() {
            try {
                client.close();
            } catch (IOException e) {
                // closing anyway
            }
            try {
                sys.shutdown(fd, SocketConstants.SHUT_RDWR);
            } catch (ErrnoException | KernelClosedException e) {
                // already gone
            }
        }

        private void finished() {
            synchronized (this) {
                if (++done < 2) {
                    return;
                }
            }
            try {
                client.close();
            } catch (IOException e) {
                // closing anyway
            }
            try {
                sys.close(fd);
            } catch (ErrnoException | KernelClosedException e) {
                // the kernel closed it already
            }
        }
    }
}
