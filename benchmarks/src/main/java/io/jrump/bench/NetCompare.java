package io.jrump.bench;

import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The network part of the comparison (issue 4, "Performance"): jrump's TCP between two
 * kernels on an in-memory Ethernet bus, and over one kernel's loopback, against the JDK's
 * sockets over Linux loopback, in the same JVM and the same run. Prints a markdown table in
 * the style of {@link Compare}, which runs it for {@code --net}.
 *
 * <p>Everything runs in this JVM, jrump and the JDK alternating which goes first from round
 * to round. Kernels are booted fresh for every figure. Rates are measured for a fixed time
 * with {@link System#nanoTime()} (JMH adds nothing over runs of seconds), after a warm-up round
 * that is not recorded.
 *
 * <pre>
 * benchmarks/compare --net [--quick]
 * </pre>
 */
final class NetCompare {
    /** Loss on each end of the lossy link: 1% of the frames each kernel sends. */
    static final double LOSS = 0.01;
    private static final long SEED = 4;
    /** On/off pairs per round for the cost of accounting. */
    private static final int ACCOUNTING_PAIRS = 2;

    private NetCompare() {
    }

    /** Measures every case for the budget's rounds, logging progress to {@code log}, and returns the table. */
    static String run(NetBudget budget, PrintStream log) throws IOException, InterruptedException {
        Run run = new Run(budget, log);
        run.measure();
        return run.table();
    }

    /** One comparison run: the figures of every round, by case. */
    static final class Run {
        private final NetBudget budget;
        private final PrintStream log;
        private final Figures figures = new Figures();
        private long lostFrames;
        private long summonRetransmits;
        /** The phases of a cold summons as the BOOTED reports name them, in order. */
        private final java.util.Set<String> summonPhases = new java.util.LinkedHashSet<>();

        Run(NetBudget budget, PrintStream log) {
            this.budget = budget;
            this.log = log;
        }

        void measure() throws IOException, InterruptedException {
            log.println("jrump network comparison, " + budget.describe());
            if (budget.warmUp()) {
                log.println("warm-up round (not recorded)");
                round(false, false);
            }
            for (int round = 1; round <= budget.rounds(); round++) {
                boolean peerFirst = round % 2 == 0;
                log.println("round " + round + "/" + budget.rounds() + (peerFirst ? " (peer first)" : ""));
                round(peerFirst, true);
            }
        }

        private void round(boolean peerFirst, boolean keep) throws IOException, InterruptedException {
            long ms = budget.millis();
            pair(peerFirst, keep, "bulk", "bulk.jdk", net -> TcpWorkloads.bulkBytesPerSecond(net, ms),
                    new Case("bulk.bus1500", () -> RumpStreamNet.bus(1500, 0, SEED)),
                    new Case("bulk.bus9000", () -> RumpStreamNet.bus(9000, 0, SEED)),
                    new Case("bulk.loopback", RumpStreamNet::loopback));
            measure(keep, "bulk.wire1500", () -> RumpStreamNet.wire(1500), net -> TcpWorkloads.bulkBytesPerSecond(net, ms));
            measure(keep, "bulk.loss", () -> RumpStreamNet.bus(1500, LOSS, SEED), net -> {
                double rate = TcpWorkloads.bulkBytesPerSecond(net, ms);
                lostFrames += ((RumpStreamNet) net).framesLost();
                return rate;
            });
            pair(peerFirst, keep, "round trips", "rr.jdk", net -> TcpWorkloads.roundTripsPerSecond(net, ms),
                    new Case("rr.bus", () -> RumpStreamNet.bus(1500, 0, SEED)));
            pair(peerFirst, keep, "connections", "conn.jdk", net -> TcpWorkloads.connectionsPerSecond(net, ms),
                    new Case("conn.bus", () -> RumpStreamNet.bus(1500, 0, SEED)));
            pair(peerFirst, keep, "idle connections", "idle.jdk", net -> TcpWorkloads.heapPerIdleConnection(net, budget.idleConnections()),
                    new Case("idle.bus", () -> RumpStreamNet.bus(1500, 0, SEED)));
            accounting(peerFirst, keep, "bulk", net -> TcpWorkloads.bulkBytesPerSecond(net, ms));
            accounting(peerFirst, keep, "rr", net -> TcpWorkloads.roundTripsPerSecond(net, ms));
            summon(keep);
        }

        /**
         * The cost of accounting: the same workload on kernels booted with accounting on and off,
         * measured back to back ({@link #ACCOUNTING_PAIRS} times, alternating which goes first),
         * so the two figures of a pair see the same load on a shared machine.
         */
        private void accounting(boolean offFirst, boolean keep, String key, Workload workload) throws IOException, InterruptedException {
            log.println("  accounting on/off: " + key);
            for (int i = 0; i < ACCOUNTING_PAIRS; i++) {
                boolean off = offFirst ^ (i % 2 == 1);
                for (int j = 0; j < 2; j++) {
                    String mode = off ^ (j == 1) ? "off" : "on";
                    measure(keep, key + ".acct" + mode, () -> RumpStreamNet.busAccounting(mode), workload);
                }
            }
        }

        /** Cold and warm summon latencies, alternating, {@link NetBudget#summons()} of each. */
        private void summon(boolean keep) throws IOException, InterruptedException {
            log.println("  summon latency");
            try (SummonLatency s = new SummonLatency()) {
                for (int i = 0; i < budget.summons(); i++) {
                    double cold = s.coldNanos();
                    java.util.Map<String, Double> phases = s.lastPhases();
                    double warm = s.warmNanos();
                    if (keep) {
                        figures.record("summon.cold", cold);
                        figures.record("summon.warm", warm);
                        phases.forEach((phase, ms) -> {
                            figures.record("summon.phase." + phase, ms);
                            summonPhases.add(phase);
                        });
                    }
                }
                summonRetransmits += s.clientRetransmits();
                log.println("    summon.cold/warm: " + budget.summons() + " each, " + s.clientRetransmits() + " client retransmissions");
            }
        }

        /** jrump's cases and the JDK's for one workload, the JDK before or after all of jrump's. */
        private void pair(boolean peerFirst, boolean keep, String what, String peerKey, Workload workload, Case... cases)
                throws IOException, InterruptedException {
            log.println("  " + what);
            if (peerFirst) {
                measure(keep, peerKey, JdkStreamNet::new, workload);
            }
            for (Case c : cases) {
                measure(keep, c.key(), c.net(), workload);
            }
            if (!peerFirst) {
                measure(keep, peerKey, JdkStreamNet::new, workload);
            }
        }

        private void measure(boolean keep, String key, NetFactory factory, Workload workload) throws IOException, InterruptedException {
            double value;
            try (StreamNet net = factory.open()) {
                value = workload.run(net);
            }
            log.println("    " + key + ": " + Units.digits(value));
            if (keep) {
                figures.record(key, value);
            }
        }

        Samples samples(String key) {
            return figures.samples(key);
        }

        List<Row> rows() {
            Samples jdkBulk = samples("bulk.jdk");
            String jdk = JdkStreamNet.NAME;
            String idle = Units.count(budget.idleConnections());
            return List.of(
                    new Row("bulk TCP, one connection, two kernels on the bus, MTU 1500", NetCompare::rate, samples("bulk.bus1500"),
                            jdk, jdkBulk, Target.atLeastPeer()),
                    new Row("bulk TCP, one connection, two kernels on the bus, MTU 9000", NetCompare::rate, samples("bulk.bus9000"),
                            jdk, jdkBulk, Target.atLeastPeer()),
                    new Row("bulk TCP, one connection, one kernel over 127.0.0.1", NetCompare::rate, samples("bulk.loopback"),
                            jdk, jdkBulk, Target.atLeastPeer()),
                    new Row("1-byte request/response, TCP_NODELAY, two kernels on the bus", NetCompare::perSecond, samples("rr.bus"),
                            jdk, samples("rr.jdk"), Target.atLeastPeer()),
                    new Row("connections set up and torn down, two kernels on the bus", NetCompare::perSecond, samples("conn.bus"),
                            jdk, samples("conn.jdk"), Target.atLeastPeer()),
                    new Row("heap per idle established connection, both ends (" + idle + " open)", Units::bytes, samples("idle.bus"),
                            "JDK SocketChannel pair (heap only)", samples("idle.jdk"), Target.report()),
                    new Row("bulk TCP, MSS-sized segments (ports behind LinkEmulators without impairments), MTU 1500", NetCompare::rate,
                            samples("bulk.wire1500"), jdk, jdkBulk, Target.report()),
                    new Row("bulk TCP under 1% loss at each end, two kernels on the bus, MTU 1500", NetCompare::rate, samples("bulk.loss"),
                            "jrump, same ports without loss", samples("bulk.wire1500"), Target.report()),
                    new Row("cost of accounting: bulk TCP, two kernels on the bus, MTU 1500, accounting on", NetCompare::rate,
                            samples("bulk.accton"), "same, accounting=off", samples("bulk.acctoff"), Target.atLeastTimesPeer(0.95, "≥ 0.95x off")),
                    new Row("cost of accounting: 1-byte request/response, two kernels on the bus, accounting on", NetCompare::perSecond,
                            samples("rr.accton"), "same, accounting=off", samples("rr.acctoff"), Target.atLeastTimesPeer(0.95, "≥ 0.95x off")),
                    new Row("summon latency, first SYN to first echoed byte, cold (no kernel runs)", Units::nanos, samples("summon.cold"),
                            "warm (kernel running)", samples("summon.warm"), Target.atMost(5_000_000, "cold ≤ 5 ms")));
        }

        /** "wait 0.04, boot 0.12, ..." from the recorded phases; the replay phase runs the handshake with the client. */
        private String phases() {
            StringBuilder sb = new StringBuilder();
            for (String phase : summonPhases) {
                sb.append(sb.length() == 0 ? "" : ", ").append(phase).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.3f", samples("summon.phase." + phase).median()));
            }
            return sb.length() == 0 ? "none reported" : sb.toString();
        }

        String table() {
            StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
            for (Row row : rows()) {
                sb.append(row.markdown()).append('\n');
            }
            sb.append('\n')
                    .append("- ").append(budget.describe()).append("; jrump and the JDK alternate which runs first; kernels are booted fresh for each figure. ")
                    .append("Ratio = jrump median / peer median; higher is better for rates.\n")
                    .append("- Bulk: the client writes ").append(Units.bytes(TcpWorkloads.CHUNK))
                    .append(" at a time for the measured time, then closes; the rate runs from the first write to the server's end of stream, ")
                    .append("and every byte is counted at the server. Default socket buffers on both sides.\n")
                    .append("- Bus ports and loopback offer segmentation offload, as Linux's veth and lo offer TSO/GRO: TCP sends segments of up to 64 KiB ")
                    .append("whatever the MTU and the receiver takes them whole. A LinkEmulator models a wire of the MTU and withholds it, ")
                    .append("so the MSS-sized and lossy rows send segments of at most 1,448 bytes.\n")
                    .append("- Connections: the client connects and closes at once; the server accepts, reads end of stream and closes; ")
                    .append("at most ").append(Units.count(TcpWorkloads.MAX_CONNECTIONS)).append(" per figure, as each client port stays in TIME_WAIT.\n")
                    .append("- Heap per idle connection: used heap after full collections with the connections open, less before, over the count. ")
                    .append("For the JDK only the Java objects show: the Linux kernel's socket memory is not on the heap and not counted.\n")
                    .append("- Loss: a LinkEmulator on each kernel's port drops 1% of the frames it sends (seeded); ")
                    .append(Units.count(lostFrames)).append(" frames dropped over the recorded rounds. Linux loopback has no loss, so the peer is jrump's own lossless figure.\n")
                    .append("- Accounting: every other row runs with the default accounting=on (monotonic clock around system calls, received frames ")
                    .append("and timers, waits left out); the accounting rows measure on and off back to back, ").append(ACCOUNTING_PAIRS)
                    .append(" pairs a round alternating which goes first, so both see the same load.\n")
                    .append("- Summon latency: an echo service behind a Summoner on the bus (idle time ").append(SummonLatency.IDLE.toMillis())
                    .append(" ms); the client knows the service's MAC, so its first frame is the SYN; the time runs from connect to the echoed byte ")
                    .append("(handshake, a 1-byte write, its echo). Cold: the SYN boots the kernel, which is then configured, starts the service and ")
                    .append("gets the queued SYN replayed; warm: the kernel of the previous exchange still runs. ")
                    .append(Units.count(summonRetransmits)).append(" client retransmissions over the run (a SYN lost to a summons would show here; ")
                    .append("so would a FIN of an exchange whose kernel went idle before the close completed, on a machine too loaded to finish it within the idle time).\n")
                    .append("- Cold summons, median per phase (ms) from the BOOTED reports: ").append(phases()).append(".\n")
                    .append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                    .append(Runtime.version()).append(", ").append(System.getProperty("os.name")).append(' ')
                    .append(System.getProperty("os.arch")).append('.');
            return sb.toString();
        }
    }

    static String rate(double bytesPerSecond) {
        return Units.bytes(bytesPerSecond) + "/s";
    }

    static String perSecond(double count) {
        return Units.count(Math.round(count)) + "/s";
    }

    private record Case(String key, NetFactory net) {
    }

    @FunctionalInterface
    private interface NetFactory {
        StreamNet open() throws IOException;
    }

    @FunctionalInterface
    private interface Workload {
        double run(StreamNet net) throws IOException, InterruptedException;
    }
}
