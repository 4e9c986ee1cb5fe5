package io.jrump.net.summon;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.RumpKernel;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The TCP echo service of RFC 862 on a kernel's own sockets: the smallest real service to
 * summon (tests, benchmarks, demos). Each accepted connection gets a thread that writes back
 * what it reads until the client closes. The handle closes the listening socket; connection
 * threads end with their connections or with the kernel. Summoned, the accept loop and the
 * connections run on the summoner's parked threads.
 */
public final class EchoService implements Service {
    private final int port;

    public EchoService(int port) {
        this.port = port;
    }

    @Override
    public AutoCloseable start(RumpKernel kernel) throws ErrnoException {
        return start(kernel, task -> {
            Thread t = new Thread(task, "echo-" + kernel.name());
            t.setDaemon(true);
            t.start();
        });
    }

    @Override
    public AutoCloseable start(RumpKernel kernel, Executor threads) throws ErrnoException {
        Syscalls sys = kernel.sys();
        int listener = sys.socket(SocketConstants.AF_INET, SocketConstants.SOCK_STREAM, 0);
        sys.bind(listener, new InetSocketAddress(port));
        sys.listen(listener, 128);
        threads.execute(() -> acceptLoop(sys, listener, threads));
        return () -> {
            try {
                sys.close(listener);
            } catch (ErrnoException | KernelClosedException e) {
                // already gone with the kernel
            }
        };
    }

    private static void acceptLoop(Syscalls sys, int listener, Executor threads) {
        try {
            while (true) {
                int conn = sys.accept(listener);
                threads.execute(() -> echo(sys, conn));
            }
        } catch (ErrnoException | KernelClosedException | RejectedExecutionException e) {
            // the listener was closed: the service is stopping
        }
    }

    private static void echo(Syscalls sys, int conn) {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        try {
            while (true) {
                buf.clear();
                int n = sys.read(conn, buf);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    sys.write(conn, buf);
                }
            }
            sys.close(conn);
        } catch (ErrnoException | KernelClosedException e) {
            // reset by the client, or the kernel shut down under the connection
        }
    }
}
