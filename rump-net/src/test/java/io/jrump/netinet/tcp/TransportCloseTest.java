package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A kernel closing under a socket call blocked in one of its connections: the transport
 * destroys the connection (ECONNABORTED), and that must wake the call. It once only flagged the
 * wake-up without giving it, so the call slept for ever.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportCloseTest {
    @Test
    void aBlockedReceiveEndsWhenItsKernelCloses() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (RumpKernel a = boot(bus, "10.0.0.1/24"); RumpKernel b = boot(bus, "10.0.0.2/24")) {
            Syscalls sb = b.sys();
            int l = sb.socket(AF_INET, SOCK_STREAM, 0);
            sb.bind(l, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 80));
            sb.listen(l, 1);
            int c = a.sys().socket(AF_INET, SOCK_STREAM, 0);
            a.sys().connect(c, new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 80));
            int s = sb.accept(l);
            CompletableFuture<Throwable> recv = CompletableFuture.supplyAsync(() -> {
                try {
                    sb.recv(s, ByteBuffer.allocate(16), 0);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(200); // lets the receive block; one that had not yet meets the closed kernel
            b.close();
            Throwable t;
            try {
                t = recv.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the receive is still blocked 30 s after its kernel closed");
            }
            assertTrue(t instanceof KernelClosedException
                    || t instanceof ErrnoException e && e.errno() == Errno.ECONNABORTED, "the receive ends with its kernel: " + t);
        }
    }

    private static RumpKernel boot(EthernetBus bus, String address) throws Exception {
        RumpKernel k = Rump.builder().component("net").boot();
        k.netconfig().ifcreate("shm0", bus.port());
        k.netconfig().ipv4Address("shm0", address);
        return k;
    }
}
