package io.jrump.bench;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.IPPROTO_TCP;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.TCP_NODELAY;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.LinkEmulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * jrump's side: either two kernels on an {@link EthernetBus} (the client in 10.0.0.1, the
 * server in 10.0.0.2), optionally each port wrapped in a {@link LinkEmulator}, or one kernel
 * talking to itself over its loopback interface. Kernels are booted fresh for every
 * measurement and configured through {@code NetConfig}, as a program would.
 */
final class RumpStreamNet implements StreamNet {
    private static final int PORT = 5001;

    private final List<RumpKernel> kernels = new ArrayList<>();
    private final Syscalls client;
    private final Syscalls server;
    private final InetSocketAddress serverAddress;
    private final List<LinkEmulator> emulators = new ArrayList<>();
    private final String accounting;

    private RumpStreamNet(int mtu, boolean wire, double loss, long seed) throws ErrnoException {
        this(mtu, wire, loss, seed, "on");
    }

    private RumpStreamNet(int mtu, boolean wire, double loss, long seed, String accounting) throws ErrnoException {
        this.accounting = accounting;
        EthernetBus bus = new EthernetBus(mtu);
        client = boot("10.0.0.1/24", port(bus, wire, loss, seed)).sys();
        server = boot("10.0.0.2/24", port(bus, wire, loss, seed + 1)).sys();
        serverAddress = address("10.0.0.2");
    }

    private RumpStreamNet() throws ErrnoException {
        accounting = "on";
        RumpKernel kernel = Rump.builder().component("net").boot();
        kernels.add(kernel);
        client = kernel.sys();
        server = kernel.sys();
        serverAddress = address("127.0.0.1");
    }

    /**
     * Two kernels on a bus with this MTU, each end losing {@code loss} of the frames it sends (0
     * for none). Without loss the ports are the bus's own, with segmentation offload; with loss
     * each is behind a {@link LinkEmulator}, which models a wire of the MTU.
     */
    static RumpStreamNet bus(int mtu, double loss, long seed) throws ErrnoException {
        return new RumpStreamNet(mtu, loss > 0, loss, seed);
    }

    /** Two kernels on a bus without loss, booted with the kernel option {@code accounting} set to {@code mode}. */
    static RumpStreamNet busAccounting(String mode) throws ErrnoException {
        return new RumpStreamNet(1500, false, 0, 0, mode);
    }

    /** Two kernels on a bus, each port behind a {@link LinkEmulator} that impairs nothing: TCP sends MSS-sized segments. */
    static RumpStreamNet wire(int mtu) throws ErrnoException {
        return new RumpStreamNet(mtu, true, 0, 0);
    }

    /** One kernel, client and server on 127.0.0.1. */
    static RumpStreamNet loopback() throws ErrnoException {
        return new RumpStreamNet();
    }

    private NetDevice port(EthernetBus bus, boolean wire, double loss, long seed) {
        NetDevice port = bus.port();
        if (!wire) {
            return port;
        }
        LinkEmulator emulator = new LinkEmulator(port, seed, LinkEmulator.Impairments.none().withLoss(loss));
        emulators.add(emulator);
        return emulator;
    }

    private RumpKernel boot(String cidr, NetDevice device) throws ErrnoException {
        RumpKernel kernel = Rump.builder().component("net").option("accounting", accounting).boot();
        kernels.add(kernel);
        kernel.netconfig().ifcreate("eth0", device);
        kernel.netconfig().ipv4Address("eth0", cidr);
        kernel.netconfig().up("eth0");
        return kernel;
    }

    private static InetSocketAddress address(String ip) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), PORT);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** Frames the link emulators dropped so far (0 without loss). */
    long framesLost() {
        return emulators.stream().mapToLong(LinkEmulator::lost).sum();
    }

    @Override
    public Listener listen() throws ErrnoException {
        int fd = server.socket(AF_INET, SOCK_STREAM, 0);
        server.bind(fd, serverAddress);
        server.listen(fd, BACKLOG);
        return new Listener() {
            @Override
            public Conn accept() throws ErrnoException {
                return new Socket(server, server.accept(fd));
            }

            @Override
            public Conn connect() throws ErrnoException {
                int c = client.socket(AF_INET, SOCK_STREAM, 0);
                client.connect(c, serverAddress);
                return new Socket(client, c);
            }

            @Override
            public void close() throws ErrnoException {
                server.close(fd);
            }
        };
    }

    @Override
    public ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size);
    }

    @Override
    public void close() {
        kernels.forEach(RumpKernel::close);
    }

    private record Socket(Syscalls sys, int fd) implements Conn {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = sys.recv(fd, dst, 0);
            return n == 0 && dst.hasRemaining() ? -1 : n;
        }

        @Override
        public void writeFully(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                sys.send(fd, src, 0);
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            sys.shutdown(fd, SHUT_WR);
        }

        @Override
        public void noDelay() throws IOException {
            sys.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        }

        @Override
        public void close() throws IOException {
            sys.close(fd);
        }
    }
}
