package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.api.Fcntl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The socket calls on UDP sockets of one kernel, over lo0. */
class SocketTest {
    private RumpKernel k;
    private Syscalls sys;

    @BeforeEach
    void boot() {
        k = Rump.builder().component("net").boot();
        sys = k.sys();
    }

    @AfterEach
    void close() {
        k.close();
    }

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    static void errno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(ErrnoException.class, call).errno());
    }

    @Test
    void socketKinds() throws Exception {
        errno(Errno.EAFNOSUPPORT, () -> sys.socket(AF_INET6, SOCK_DGRAM, 0));
        errno(Errno.EPROTONOSUPPORT, () -> sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
        errno(Errno.EPROTONOSUPPORT, () -> sys.socket(AF_INET, SOCK_RAW, 0));
        errno(Errno.ESOCKTNOSUPPORT, () -> sys.socket(AF_INET, 9, 0));
        int s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        assertEquals(SOCK_DGRAM, sys.getsockopt(s, SOL_SOCKET, SO_TYPE));
        errno(Errno.EOPNOTSUPP, () -> sys.listen(s, 1));
        errno(Errno.ENOTCONN, () -> sys.getpeername(s));
        errno(Errno.EDESTADDRREQ, () -> sys.send(s, ByteBuffer.allocate(1), 0));
        errno(Errno.ENOPROTOOPT, () -> sys.setsockopt(s, SOL_SOCKET, 999, 1));
    }

    @Test
    void streamSocketsNeedTheTcpTransport() {
        // Until TCP is on the class path the stream transport is missing; with it, a socket is made.
        try {
            int s = sys.socket(AF_INET, SOCK_STREAM, 0);
            assertEquals(SOCK_STREAM, sys.getsockopt(s, SOL_SOCKET, SO_TYPE));
        } catch (ErrnoException e) {
            assertEquals(Errno.EPROTONOSUPPORT, e.errno());
        }
    }

    @Test
    void nonBlockingAndTimeouts() throws Exception {
        int s = sys.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sys.bind(s, at("127.0.0.1", 0));
        errno(Errno.EAGAIN, () -> sys.recv(s, ByteBuffer.allocate(1), 0));
        sys.fcntl(s, Fcntl.F_SETFL, 0);
        errno(Errno.EAGAIN, () -> sys.recv(s, ByteBuffer.allocate(1), MSG_DONTWAIT));
        sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 50);
        assertEquals(50, sys.getsockopt(s, SOL_SOCKET, SO_RCVTIMEO));
        errno(Errno.EAGAIN, () -> sys.recv(s, ByteBuffer.allocate(1), 0));
        sys.setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, 70);
        assertEquals(70, sys.getsockopt(s, SOL_SOCKET, SO_SNDTIMEO));
        errno(Errno.EDOM, () -> sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, -1));
    }

    @Test
    void bindRules() throws Exception {
        int a = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(a, at("0.0.0.0", 6000));
        int b = sys.socket(AF_INET, SOCK_DGRAM, 0);
        errno(Errno.EADDRINUSE, () -> sys.bind(b, at("127.0.0.1", 6000)));
        errno(Errno.EADDRNOTAVAIL, () -> sys.bind(b, at("10.9.9.9", 6001)));
        sys.bind(b, at("127.0.0.1", 6001));
        errno(Errno.EINVAL, () -> sys.bind(b, at("127.0.0.1", 6002)));
        int c = sys.socket(AF_INET, SOCK_DGRAM, 0);
        int d = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.setsockopt(c, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.setsockopt(d, SOL_SOCKET, SO_REUSEADDR, 1);
        assertEquals(1, sys.getsockopt(d, SOL_SOCKET, SO_REUSEADDR));
        sys.bind(c, at("0.0.0.0", 6003));
        sys.bind(d, at("0.0.0.0", 6003));
        int e = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(e, at("0.0.0.0", 0));
        int port = sys.getsockname(e).getPort();
        assertTrue(port >= PortTable.EPHEMERAL_LOW && port <= PortTable.EPHEMERAL_HIGH, "ephemeral " + port);
        sys.close(a);
        int again = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(again, at("0.0.0.0", 6000));
    }

    @Test
    void privilegedPortsNeedRoot() throws Exception {
        Syscalls user = k.spawn(Credentials.of(1000, 1000)).sys();
        int s = user.socket(AF_INET, SOCK_DGRAM, 0);
        errno(Errno.EACCES, () -> user.bind(s, at("0.0.0.0", 80)));
        user.bind(s, at("0.0.0.0", 8080));
    }

    @Test
    void connectedSocketsFilterAndReportErrors() throws Exception {
        int srv = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(srv, at("127.0.0.1", 7000));
        int cli = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.connect(cli, at("127.0.0.1", 7000));
        assertEquals(at("127.0.0.1", 7000), sys.getpeername(cli));
        assertEquals(InetAddress.getByName("127.0.0.1"), sys.getsockname(cli).getAddress());
        sys.send(cli, ByteBuffer.wrap(new byte[] {42}), 0);
        ByteBuffer b = ByteBuffer.allocate(4);
        InetSocketAddress from = sys.recvfrom(srv, b, MSG_PEEK);
        assertEquals(1, b.position());
        b.clear();
        assertEquals(from, sys.recvfrom(srv, b, 0));
        assertEquals(sys.getsockname(cli), from);
        // a third socket's datagram does not reach the connected client
        int other = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.sendto(other, ByteBuffer.allocate(1), 0, from);
        errno(Errno.EAGAIN, () -> sys.recv(cli, ByteBuffer.allocate(1), MSG_DONTWAIT));
        // the port goes away: the next call reports ECONNREFUSED, once; SO_ERROR reads and clears
        sys.close(srv);
        sys.send(cli, ByteBuffer.allocate(1), 0);
        PollFd[] p = {new PollFd(cli, PollFd.POLLIN)};
        assertEquals(1, sys.poll(p, 1000));
        assertTrue((p[0].revents() & PollFd.POLLERR) != 0);
        assertEquals(Errno.ECONNREFUSED.number(), sys.getsockopt(cli, SOL_SOCKET, SO_ERROR));
        assertEquals(0, sys.getsockopt(cli, SOL_SOCKET, SO_ERROR));
        sys.send(cli, ByteBuffer.allocate(1), 0);
        errno(Errno.ECONNREFUSED, () -> sys.send(cli, ByteBuffer.allocate(1), 0));
    }

    @Test
    void pollReadinessAndShutdown() throws Exception {
        int a = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(a, at("127.0.0.1", 7100));
        int b = sys.socket(AF_INET, SOCK_DGRAM, 0);
        PollFd[] set = {new PollFd(a, PollFd.POLLIN | PollFd.POLLOUT)};
        assertEquals(1, sys.poll(set, 0));
        assertEquals(PollFd.POLLOUT, set[0].revents());
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
                sys.sendto(b, ByteBuffer.wrap(new byte[] {1}), 0, at("127.0.0.1", 7100));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        PollFd[] in = {new PollFd(a, PollFd.POLLIN)};
        assertEquals(1, sys.poll(in, 5000), "woken by the datagram");
        assertEquals(PollFd.POLLIN, in[0].revents());
        t.join();
        errno(Errno.ENOTCONN, () -> sys.shutdown(a, SHUT_RD));
        sys.connect(b, at("127.0.0.1", 7100));
        sys.shutdown(b, SHUT_WR);
        errno(Errno.EPIPE, () -> sys.send(b, ByteBuffer.allocate(1), 0));
        sys.shutdown(b, SHUT_RD);
        PollFd[] hup = {new PollFd(b, PollFd.POLLIN)};
        sys.poll(hup, 0);
        assertTrue((hup[0].revents() & PollFd.POLLHUP) != 0);
        assertEquals(0, sys.recv(b, ByteBuffer.allocate(1), 0), "read side shut: end of data");
    }

    @Test
    void receiveBufferBoundsTheQueue() throws Exception {
        int a = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.setsockopt(a, SOL_SOCKET, SO_RCVBUF, 4096);
        assertEquals(4096, sys.getsockopt(a, SOL_SOCKET, SO_RCVBUF));
        sys.setsockopt(a, SOL_SOCKET, SO_SNDBUF, 8192);
        assertEquals(8192, sys.getsockopt(a, SOL_SOCKET, SO_SNDBUF));
        sys.bind(a, at("127.0.0.1", 7200));
        int b = sys.socket(AF_INET, SOCK_DGRAM, 0);
        for (int i = 0; i < 10; i++) {
            sys.sendto(b, ByteBuffer.allocate(1000), 0, at("127.0.0.1", 7200));
        }
        int got = 0;
        while (true) {
            try {
                sys.recv(a, ByteBuffer.allocate(2000), MSG_DONTWAIT);
                got++;
            } catch (ErrnoException e) {
                break;
            }
        }
        assertEquals(4, got);
        assertEquals(6, k.netconfig().counters().get("udp.drops.receive_buffer_full"));
        errno(Errno.EMSGSIZE, () -> sys.sendto(b, ByteBuffer.allocate(70_000), 0, at("127.0.0.1", 7200)));
    }

    @Test
    void broadcastNeedsSoBroadcast() throws Exception {
        int s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        errno(Errno.EACCES, () -> sys.sendto(s, ByteBuffer.allocate(1), 0, at("255.255.255.255", 9)));
        sys.setsockopt(s, SOL_SOCKET, SO_BROADCAST, 1);
        assertEquals(1, sys.getsockopt(s, SOL_SOCKET, SO_BROADCAST));
        errno(Errno.ENETUNREACH, () -> sys.sendto(s, ByteBuffer.allocate(1), 0, at("255.255.255.255", 9)));
    }

    @Test
    void pingSocketsOnlySendEchoRequests() throws Exception {
        int s = sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
        errno(Errno.EINVAL, () -> sys.sendto(s, ByteBuffer.allocate(8).put(0, (byte) 13), 0, at("127.0.0.1", 0)));
        errno(Errno.EINVAL, () -> sys.sendto(s, ByteBuffer.allocate(4), 0, at("127.0.0.1", 0)));
        assertEquals(2, Ping.ping(sys, "127.0.0.1", 2, 1000).size());
        errno(Errno.ENETUNREACH, () -> Ping.ping(sys, "10.1.2.3", 1, 100));
    }

    @Test
    void closingTheKernelReleasesSockets() throws Exception {
        int s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(s, at("127.0.0.1", 7300));
        Thread t = new Thread(() -> {
            try {
                sys.recv(s, ByteBuffer.allocate(1), 0);
            } catch (Exception e) {
                // expected: the kernel went away
            }
        });
        t.start();
        Thread.sleep(50);
        k.close();
        t.join(5000);
        assertFalse(t.isAlive(), "a blocked recv ends when the kernel closes");
    }
}
