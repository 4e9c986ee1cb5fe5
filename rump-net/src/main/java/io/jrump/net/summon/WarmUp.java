package io.jrump.net.summon;

import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.wire.Ipv4Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * A rehearsal of a summons, off the service's device: a kernel booted from the service's
 * builder, its interface on an in-memory bus at the service's address, the service started,
 * and one TCP connection made to its port from a second kernel on the bus and closed. The
 * first summons in a JVM otherwise pays for loading and first running every class on the way
 * (the boot, the stack, the service) — measured at about a second on a loaded two-core machine,
 * long enough for the client's first SYN to be retransmitted (Linux's initial RTO is 1 s,
 * RFC 6298 2.1) — and a rehearsal moves that cost to before the service is announced. Nothing
 * reaches the service's device, and the rehearsal's kernels count in no accounting.
 */
final class WarmUp {
    /** How long the rehearsal's connection may take: it crosses an in-memory bus. */
    private static final int TIMEOUT_MILLIS = 10_000;

    private WarmUp() {
    }

    static void rehearse(RumpBuilder builder, ServiceAddress address, Service service, Executor threads) throws IOException {
        EthernetBus bus = new EthernetBus();
        int ip = address.ip();
        int prefix = prefix(address.cidr());
        int mask = Ipv4Address.mask(Math.min(prefix, 30));
        int peer = (ip & mask) | ((ip + 1) & ~mask);
        if (peer == ip || peer == ((ip & mask) | ~mask) || peer == (ip & mask)) {
            peer = (ip & mask) | ((ip - 1) & ~mask);
        }
        try (RumpKernel k = builder.boot(); RumpKernel client = Rump.builder().component("net").boot()) {
            k.netconfig().ifcreate(address.ifname(), bus.port());
            k.netconfig().ipv4Address(address.ifname(), Ipv4Address.format(ip) + "/" + Math.min(prefix, 30));
            AutoCloseable handle = service.start(k, threads);
            try {
                client.netconfig().ifcreate("eth0", bus.port());
                client.netconfig().ipv4Address("eth0", Ipv4Address.format(peer) + "/" + Math.min(prefix, 30));
                Syscalls sys = client.sys();
                int s = sys.socket(SocketConstants.AF_INET, SocketConstants.SOCK_STREAM, 0);
                try {
                    sys.setsockopt(s, SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDTIMEO, TIMEOUT_MILLIS);
                    sys.connect(s, new InetSocketAddress(InetAddress.getByName(Ipv4Address.format(ip)), address.port()));
                } finally {
                    sys.close(s);
                }
            } finally {
                handle.close();
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("warming up " + address.cidr() + " port " + address.port() + ": " + e.getMessage(), e);
        }
    }

    private static int prefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
    }
}
