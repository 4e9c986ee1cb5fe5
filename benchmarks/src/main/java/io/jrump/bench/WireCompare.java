package io.jrump.bench;

import io.jrump.measure.Samples;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MSS-sized bulk row of {@link NetCompare} (two kernels whose bus ports sit behind
 * {@link io.jrump.net.dev.LinkEmulator}s, as a wire without offloads) for several builds of
 * jrump side by side in one JVM, each benchmarks jar in a class loader of its own, and the JDK's
 * loopback sockets in the same run: for measuring a change to the per-segment path against the
 * build before it on a shared, noisy machine.
 *
 * <p>Each figure is the wall-clock rate and the process's CPU time (all threads, user and
 * system, JIT and GC included) per MiB moved. On a loaded machine the rate mostly says how much
 * CPU the scheduler gave the process, which the CPU per MiB does not depend on; both are
 * printed, with ratios to the JDK. The order of the cases turns round every round. The stack
 * needs seconds of CPU before the JIT has compiled its per-segment path, so unrecorded warm-up
 * rounds run first.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.WireCompare ROUNDS MILLIS [WARMUP] [NAME=JAR ...]
 * </pre>
 * Without jars the build it runs from is measured, as "jrump".
 */
final class WireCompare {
    private static final String JDK = "jdk";
    private static final double MIB = 1 << 20;

    private WireCompare() {
    }

    /** One build: the row's workload and network factory, found in its own class loader. */
    private record Build(String name, ClassLoader loader, Method bulk, Method wire) {
        static Build of(String name, ClassLoader loader) throws ReflectiveOperationException {
            Class<?> net = Class.forName(StreamNet.class.getName(), true, loader);
            Method bulk = Class.forName(TcpWorkloads.class.getName(), true, loader).getDeclaredMethod("bulkBytesPerSecond", net, long.class);
            Method wire = Class.forName(RumpStreamNet.class.getName(), true, loader).getDeclaredMethod("wire", int.class);
            bulk.setAccessible(true);
            wire.setAccessible(true);
            return new Build(name, loader, bulk, wire);
        }

        double run(long millis) throws Exception {
            Thread.currentThread().setContextClassLoader(loader);
            try (AutoCloseable net = (AutoCloseable) wire.invoke(null, 1500)) {
                return (double) bulk.invoke(null, net, millis);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: WireCompare ROUNDS MILLIS [WARMUP] [NAME=JAR ...]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[0]);
        long millis = Long.parseLong(args[1]);
        int next = 2;
        int warmUp = 3;
        if (args.length > 2 && !args[2].contains("=")) {
            warmUp = Integer.parseInt(args[2]);
            next = 3;
        }
        List<Build> builds = new ArrayList<>();
        for (int i = next; i < args.length; i++) {
            String[] nameJar = args[i].split("=", 2);
            URL jar = Path.of(nameJar[1]).toUri().toURL();
            builds.add(Build.of(nameJar[0], new URLClassLoader(nameJar[0], new URL[] {jar}, ClassLoader.getPlatformClassLoader())));
        }
        if (builds.isEmpty()) {
            builds.add(Build.of("jrump", WireCompare.class.getClassLoader()));
        }
        System.out.println(run(builds, rounds, millis, warmUp));
    }

    private static String run(List<Build> builds, int rounds, long millis, int warmUp) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, List<double[]>> figures = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        builds.forEach(b -> order.add(b.name()));
        order.add(JDK);
        for (int round = 1 - warmUp; round <= rounds; round++) {
            Collections.reverse(order);
            for (String name : order) {
                Build build = builds.stream().filter(b -> b.name().equals(name)).findFirst().orElse(null);
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                double rate = build == null ? jdk(millis) : build.run(millis);
                long wall = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                double mib = rate * wall / 1e9 / MIB;
                double cpuPerMib = cpu / 1e6 / mib;
                System.err.printf("%s %-8s %8.1f MiB/s  %6.2f ms CPU/MiB  CPU/wall %.2f  load %.1f%n", round <= 0 ? "warm-up" : "round " + round,
                        name, rate / MIB, cpuPerMib, (double) cpu / wall, os.getSystemLoadAverage());
                if (round > 0) {
                    figures.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {rate, cpuPerMib});
                }
            }
        }
        return table(figures, rounds, millis, warmUp);
    }

    private static double jdk(long millis) throws Exception {
        try (JdkStreamNet net = new JdkStreamNet()) {
            return TcpWorkloads.bulkBytesPerSecond(net, millis);
        }
    }

    private static String table(Map<String, List<double[]>> figures, int rounds, long millis, int warmUp) {
        Samples jdkRate = samples(figures.get(JDK), 0);
        Samples jdkCpu = samples(figures.get(JDK), 1);
        StringBuilder sb = new StringBuilder("| case | MiB/s median (min–max) | × JDK | CPU ms/MiB median (min–max) | CPU × JDK |\n|---|---|---|---|---|\n");
        figures.forEach((name, list) -> {
            Samples rate = samples(list, 0);
            Samples cpu = samples(list, 1);
            sb.append(String.format("| %s | %.0f (%.0f–%.0f) | %.2f | %.2f (%.2f–%.2f) | %.2f |%n", name.equals(JDK) ? JdkStreamNet.NAME : name,
                    rate.median() / MIB, rate.min() / MIB, rate.max() / MIB, rate.median() / jdkRate.median(),
                    cpu.median(), cpu.min(), cpu.max(), cpu.median() / jdkCpu.median()));
        });
        sb.append("\n- bulk TCP, MSS-sized segments (ports behind LinkEmulators without impairments), MTU 1500; ")
                .append(warmUp).append(" warm-up round(s), then ").append(rounds).append(" rounds of ").append(millis)
                .append(" ms per figure, the order turned round every round, in one JVM.\n")
                .append("- CPU: the process's CPU time (all threads, JIT and GC included) over the MiB moved. Machine: ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ").append(Runtime.version()).append('.');
        return sb.toString();
    }

    private static Samples samples(List<double[]> list, int index) {
        double[] values = new double[list.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = list.get(i)[index];
        }
        return Samples.of(values);
    }
}
