package io.jrump.bench;

import io.jrump.api.RumpBuilder;
import io.jrump.measure.KernelFleet;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures jrump and its peer in the same run, on the same machine, and prints a markdown
 * table of medians, ranges and ratios (see the performance method in DESIGN.md).
 *
 * <p>Each round measures every case once, jrump and peer back to back, the peer first in
 * every other round so that a machine growing slower or faster during the run does not
 * favour one side. Time figures come from JMH (one fork per side and round); the fleet
 * figures (heap and threads per idle kernel) are measured here, in this JVM, with
 * {@link KernelFleet}, the same way {@code rump demo} does.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.Compare [--quick] [--net]
 * </pre>
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Measure jrump against its peers, several rounds, and print a markdown table.")
public final class Compare implements Callable<Integer> {
    /** NetBSD's figure for booting one rump kernel (Kantee's thesis and the rumpkernel.org material): about 10 ms. */
    static final double NETBSD_BOOT_NANOS = 10e6;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Three short rounds, under a minute.")
    boolean quick;

    @Option(names = "--smoke", description = "One tiny in-process round: checks that every case runs; the figures mean nothing.")
    boolean smoke;

    @Option(names = "--rounds", paramLabel = "N", description = "Rounds (default: 5, --quick 3, --smoke 1).")
    Integer rounds;

    @Option(names = "--net", description = "Measure TCP against JDK sockets over Linux loopback instead (NetCompare).")
    boolean net;

    @Option(names = "--netty", description = "Measure Netty (echo, HTTP) over jrump on the bus against Netty over the JDK's provider on Linux loopback (NettyCompare).")
    boolean netty;

    @Option(names = "--http", description = "Measure HTTP requests/s with wrk: jrump's server on a TAP against nginx over a veth (HttpCompare; root).")
    boolean http;

    @Option(names = "--tap-bulk", description = "Measure bulk TCP over a TAP: Linux in a namespace to and from a jrump kernel, against Linux to Linux"
            + " over a veth (TapBulkCompare; root).")
    boolean tapBulk;

    @Option(names = "--fleet", paramLabel = "N", description = "Kernels kept alive for the heap and thread figures (default: 10000).")
    Integer fleet;

    private final PrintStream out;
    private final PrintStream log;

    Compare(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Compare(System.out, System.err)).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (netty) {
            int r = rounds != null ? positive("--rounds", rounds) : smoke ? 1 : quick ? 3 : 5;
            out.println(NettyCompare.run(r, smoke ? 300 : quick ? 1000 : 2000, log));
            return 0;
        }
        if (http) {
            int r = rounds != null ? positive("--rounds", rounds) : smoke ? 1 : quick ? 3 : 5;
            out.println(HttpCompare.run(r, smoke ? 1 : quick ? 3 : 5, 32, log));
            return 0;
        }
        if (tapBulk) {
            int r = rounds != null ? positive("--rounds", rounds) : smoke ? 1 : quick ? 3 : 5;
            out.println(TapBulkCompare.run(r, smoke ? 16L << 20 : quick ? 256L << 20 : 1L << 30, log));
            return 0;
        }
        if (net) {
            NetBudget netBudget = smoke ? NetBudget.SMOKE : quick ? NetBudget.QUICK : NetBudget.FULL;
            out.println(NetCompare.run(rounds == null ? netBudget : netBudget.withRounds(positive("--rounds", rounds)), log));
            return 0;
        }
        Budget budget = smoke ? Budget.SMOKE : quick ? Budget.QUICK : Budget.FULL;
        if (rounds != null) {
            budget = budget.withRounds(positive("--rounds", rounds));
        }
        if (fleet != null) {
            budget = budget.withFleet(positive("--fleet", fleet));
        }
        Run run = new Run(budget, log);
        run.measure();
        out.println(run.table());
        out.flush();
        return 0;
    }

    private int positive(String option, int n) {
        if (n <= 0) {
            throw new ParameterException(spec.commandLine(), option + " must be positive: " + n);
        }
        return n;
    }

    /** One comparison run: the figures of every round, by case and side. */
    static final class Run {
        private final Budget budget;
        private final PrintStream log;
        private final Figures figures = new Figures();

        Run(Budget budget, PrintStream log) {
            this.budget = budget;
            this.log = log;
        }

        void measure() throws InterruptedException {
            log.println("jrump comparison, " + budget.describe());
            for (int round = 1; round <= budget.rounds(); round++) {
                boolean peerFirst = round % 2 == 0;
                log.println("round " + round + "/" + budget.rounds() + (peerFirst ? " (peers first)" : ""));
                jmhPair("boot", BootBenchmark.class, "bootAndClose", "threadStartJoin", peerFirst);
                jmhPair("freshboot", BootBenchmark.class, "freshBuilderBootAndClose", "bootAndClose", peerFirst);
                fleetPair(peerFirst);
                jmhPair("getpid", GetpidBenchmark.class, "rumpGetpid", "jnaGetpid", peerFirst);
                jmhPair("pread", PreadBenchmark.class, "rumpPread", "fileChannelRead", peerFirst);
            }
        }

        private void jmhPair(String key, Class<?> benchmark, String rumpMethod, String peerMethod, boolean peerFirst)
                throws InterruptedException {
            Measurement rump = () -> record(key + ".rump", measureJmh(benchmark, rumpMethod));
            Measurement peer = () -> record(key + ".peer", measureJmh(benchmark, peerMethod));
            inOrder(peerFirst, rump, peer);
        }

        private double measureJmh(Class<?> benchmark, String method) {
            log.println("  " + benchmark.getSimpleName() + "." + method);
            return JmhCase.nanosPerOp(benchmark, method, budget);
        }

        private void fleetPair(boolean peerFirst) throws InterruptedException {
            Measurement rump = () -> {
                log.println("  fleet of " + Units.count(budget.fleet()) + " kernels");
                RumpBuilder builder = Workloads.tmpfsKernel();
                try (KernelFleet fleet = KernelFleet.boot(builder, budget.fleet(), n -> { })) {
                    KernelFleet.Report r = fleet.report();
                    record("fleet.heap", r.heapBytesPerKernel());
                    record("fleet.threads", r.threadsPerKernel());
                    record("fleet.boot.median", r.bootNanos().median());
                    record("fleet.boot.p99", r.bootNanos().percentile(99));
                }
            };
            Measurement peer = () -> {
                log.println("  " + Units.count(budget.peerThreads()) + " parked platform threads");
                ParkedThreads.Cost cost = ParkedThreads.measure(budget.peerThreads());
                record("parked.heap", cost.heapBytesPerThread());
                record("parked.threads", cost.threadsPerThread());
            };
            inOrder(peerFirst, rump, peer);
        }

        private static void inOrder(boolean peerFirst, Measurement rump, Measurement peer) throws InterruptedException {
            (peerFirst ? peer : rump).run();
            (peerFirst ? rump : peer).run();
        }

        private void record(String key, double value) {
            figures.record(key, value);
        }

        Samples samples(String key) {
            return figures.samples(key);
        }

        List<Row> rows() {
            String alive = Units.count(budget.fleet()) + " alive";
            return List.of(
                    new Row("warm boot + close, vfs + tmpfs (one builder)", Units::nanos, samples("boot.rump"),
                            "platform thread start + join", samples("boot.peer"), Target.atMost(50_000, "≤ 50 µs")),
                    new Row("fresh builder boot + close, vfs + tmpfs (Rump.builder()...boot())", Units::nanos, samples("freshboot.rump"),
                            "the same from one builder", samples("freshboot.peer"), Target.atMost(10_000, "≤ 10 µs")),
                    new Row("retained heap per idle kernel (" + alive + ")", Units::bytes, samples("fleet.heap"),
                            "none (a parked thread costs stack, off the heap: next row)", null, Target.atMost(64 * 1024, "≤ 64 KiB")),
                    new Row("threads per idle kernel (" + alive + ")", Units::digits, samples("fleet.threads"),
                            "parked platform thread (" + Units.count(budget.peerThreads()) + ")", samples("parked.threads"),
                            Target.atMost(0.01, "0")),
                    new Row("getpid() through Syscalls", Units::nanos, samples("getpid.rump"),
                            "JNA direct call of libc getpid", samples("getpid.peer"), Target.atMostAndFaster(20, "≤ 20 ns and < peer")),
                    new Row("pread 4 KiB from a tmpfs file", Units::nanos, samples("pread.rump"),
                            "FileChannel.read(buf, pos), " + Workloads.hostMemoryDirectory() + " file", samples("pread.peer"),
                            Target.notSlower()));
        }

        String table() {
            StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
            for (Row row : rows()) {
                sb.append(row.markdown()).append('\n');
            }
            double boot = samples("boot.rump").median();
            sb.append('\n')
                    .append("- ").append(budget.describe()).append("; jrump and peer alternate which runs first. ")
                    .append("Ratio = jrump median / peer median (lower is better).\n")
                    .append("- NetBSD reference, not measured here: a rump kernel boots in about ").append(Units.nanos(NETBSD_BOOT_NANOS))
                    .append("; jrump's warm boot median is ").append(Units.digits(NETBSD_BOOT_NANOS / boot)).append("x shorter.\n")
                    .append("- Boots while the fleet was built (each kept alive): median ").append(Units.nanos(samples("fleet.boot.median").median()))
                    .append(", p99 ").append(Units.nanos(samples("fleet.boot.p99").median())).append(" (medians over rounds).\n")
                    .append("- Heap per parked platform thread: ").append(Units.bytes(samples("parked.heap").median()))
                    .append(" (the Thread object only; its stack and the host thread are not on the heap).\n")
                    .append("- Heap figures: used heap after full GCs with the fleet alive, less before, over the count. ")
                    .append("Threads \"0\" means under one new thread per 100 kernels: the JVM's own JIT threads come and go.\n")
                    .append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                    .append(Runtime.version()).append(", ").append(System.getProperty("os.name")).append(' ')
                    .append(System.getProperty("os.arch")).append('.');
            return sb.toString();
        }
    }

    @FunctionalInterface
    private interface Measurement {
        void run() throws InterruptedException;
    }
}
