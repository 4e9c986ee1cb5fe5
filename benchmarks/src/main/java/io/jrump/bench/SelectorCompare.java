package io.jrump.bench;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.net.channels.KernelChannels;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * jrump's {@link Selector} (the kernel's epoll) against the JDK's (Linux epoll), in the same run:
 * the time of one {@code selectNow} with many datagram channels registered and one ready (one
 * datagram left unread, so it stays ready), and the latency of {@code wakeup()} from another
 * thread to the return of a blocked {@code select}. Datagram channels rather than pipes keep the
 * JDK's side at one host descriptor per channel (10,000 fit the usual limit of 20,000 open files).
 * Rounds alternate which side runs first.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.SelectorCompare [--quick|--smoke]
 * </pre>
 */
public final class SelectorCompare {
    static final String PEER = "JDK Selector (Linux epoll), loopback";

    /** How long a waker lets the selector thread get back into select before the next wake-up. */
    private static final long SETTLE_NANOS = 200_000;

    private final int rounds;
    private final int selects;
    private final int wakeups;
    private final PrintStream log;
    private final Figures figures = new Figures();
    private final int[] registered;

    SelectorCompare(int rounds, int selects, int wakeups, int[] registered, PrintStream log) {
        this.rounds = rounds;
        this.selects = selects;
        this.wakeups = wakeups;
        this.registered = registered;
        this.log = log;
    }

    /** Full: 5 rounds; {@code --quick}: 3 shorter; {@code --smoke}: one tiny round that only checks that every case runs. */
    static SelectorCompare of(String mode, PrintStream log) {
        return switch (mode) {
            case "--smoke" -> new SelectorCompare(1, 20, 20, new int[] {100, 1_000}, log);
            case "--quick" -> new SelectorCompare(3, 20_000, 500, new int[] {100, 10_000}, log);
            default -> new SelectorCompare(5, 100_000, 2_000, new int[] {100, 10_000}, log);
        };
    }

    public static void main(String[] args) throws Exception {
        System.out.println(of(args.length == 0 ? "" : args[0], System.err).run());
    }

    String run() throws Exception {
        try (RumpKernel kernel = Rump.builder().component("net").boot()) {
            SelectorProvider rump = KernelChannels.provider(kernel);
            SelectorProvider jdk = SelectorProvider.provider();
            for (int round = 1; round <= rounds; round++) {
                boolean peerFirst = round % 2 == 0;
                log.println("round " + round + "/" + rounds + (peerFirst ? " (peer first)" : ""));
                for (int n : registered) {
                    pair(peerFirst, () -> figures.record("select" + n + ".rump", selectNanos(rump, n)),
                            () -> figures.record("select" + n + ".peer", selectNanos(jdk, n)));
                }
                pair(peerFirst, () -> figures.record("wakeup.rump", wakeupNanos(rump)),
                        () -> figures.record("wakeup.peer", wakeupNanos(jdk)));
            }
        }
        return table();
    }

    @FunctionalInterface
    private interface Case {
        void run() throws Exception;
    }

    private static void pair(boolean peerFirst, Case rump, Case peer) throws Exception {
        (peerFirst ? peer : rump).run();
        (peerFirst ? rump : peer).run();
    }

    /** Median nanoseconds of one selectNow with {@code n} channels registered and one ready. */
    private double selectNanos(SelectorProvider p, int n) throws IOException {
        log.println("  select, " + Units.count(n) + " registered, 1 ready: " + p.getClass().getSimpleName());
        InetAddress lo = InetAddress.getLoopbackAddress();
        List<DatagramChannel> channels = new ArrayList<>(n);
        try (Selector sel = p.openSelector(); DatagramChannel sender = p.openDatagramChannel()) {
            for (int i = 0; i < n; i++) {
                DatagramChannel c = p.openDatagramChannel().bind(new InetSocketAddress(lo, 0));
                channels.add(c);
                c.configureBlocking(false);
                c.register(sel, SelectionKey.OP_READ);
            }
            sender.send(ByteBuffer.wrap(new byte[] {1}), channels.get(n / 2).getLocalAddress());
            while (sel.select(1000) == 0) {
                // until the datagram has arrived
            }
            long[] batch = new long[10];
            int per = Math.max(1, selects / batch.length);
            for (int b = 0; b < batch.length; b++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < per; i++) {
                    sel.selectedKeys().clear();
                    if (sel.selectNow() != 1) {
                        throw new IllegalStateException("the ready channel was not selected");
                    }
                }
                batch[b] = (System.nanoTime() - t0) / per;
            }
            return Samples.of(batch).median();
        } finally {
            for (DatagramChannel c : channels) {
                c.close();
            }
        }
    }

    /** Median nanoseconds from wakeup() on this thread to a select() blocked on another returning. */
    private double wakeupNanos(SelectorProvider p) throws Exception {
        log.println("  wakeup latency: " + p.getClass().getSimpleName());
        AtomicInteger returned = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        long[] latencies = new long[wakeups];
        try (Selector sel = p.openSelector()) {
            Thread selector = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        sel.select();
                        returned.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "selector");
            selector.start();
            for (int i = 0; i < wakeups; i++) {
                LockSupport.parkNanos(SETTLE_NANOS);
                int before = returned.get();
                long t0 = System.nanoTime();
                sel.wakeup();
                while (returned.get() == before) {
                    Thread.onSpinWait();
                }
                latencies[i] = System.nanoTime() - t0;
            }
            stop.set(true);
            sel.wakeup();
            selector.join(10_000);
        }
        Arrays.sort(latencies);
        return Samples.of(latencies).median();
    }

    String table() {
        StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
        for (int n : registered) {
            sb.append(new Row("selectNow, " + Units.count(n) + " datagram channels registered, 1 ready", Units::nanos,
                    figures.samples("select" + n + ".rump"), PEER, figures.samples("select" + n + ".peer"), Target.report()).markdown())
                    .append('\n');
        }
        sb.append(new Row("Selector wake-up latency (wakeup() to select() returning on another thread)", Units::nanos,
                figures.samples("wakeup.rump"), PEER, figures.samples("wakeup.peer"), Target.report()).markdown()).append('\n');
        sb.append('\n').append("- ").append(rounds).append(" rounds; per round the median of 10 batches of ")
                .append(Units.count(selects / 10)).append(" selects, and of ").append(Units.count(wakeups))
                .append(" wake-ups; jrump and peer alternate which runs first. Ratio = jrump / peer (lower is better).\n")
                .append("- jrump: one kernel, its loopback; the kernel's epoll looks only at the entries that woke, so the select ")
                .append("time of the first and second rows should be alike.\n");
        return sb.toString();
    }
}
