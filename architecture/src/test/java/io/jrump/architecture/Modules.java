package io.jrump.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Maven module a class comes from, told by where its class file was found: a module's
 * {@code target/classes} (or its jar, in the reactor or in a local repository). Packages do not
 * say it reliably: a platform module may pick any package names, and the rules must hold for
 * whatever its authors choose.
 *
 * <p>The one exception is this module's own fixtures ({@code io.jrump.architecture.fixture.<m>}),
 * deliberately bad classes that stand in for module {@code m} so that a test can show each rule
 * failing when broken.
 */
final class Modules {
    static final String API = "rump-api";
    static final String KERNEL = "rump-kernel";
    static final String FS = "rump-fs";
    static final String NET = "rump-net";
    static final String XEN = "rump-xen";
    static final String ARM = "rump-arm";
    static final String MEASURE = "rump-measure";
    static final String JUNIT = "rump-junit";
    static final String CLI = "rump-cli";
    static final String BENCHMARKS = "benchmarks";
    static final Set<String> ALL = Set.of(API, KERNEL, FS, NET, XEN, ARM, MEASURE, JUNIT, CLI, BENCHMARKS);

    static final String FIXTURES = "io.jrump.architecture.fixture";

    /** A module's build directory ({@code rump-fs/target/classes/...}, {@code rump-fs/target/rump-fs-0.1.0.jar!/...}). */
    private static final Pattern BUILD_DIR = Pattern.compile("/(rump-[a-z]+|benchmarks)/target/");
    /** A module's jar elsewhere ({@code .../rump-fs-0.1.0-SNAPSHOT.jar!/...}). */
    private static final Pattern JAR = Pattern.compile("/(rump-[a-z]+|benchmarks)-\\d[^/!]*\\.jar");
    /** Where the module's classes are (a directory or a jar), for its module descriptor. */
    private static final Pattern ROOT = Pattern.compile("^(?:jar:)?(file:.*?(?:/target/classes/|\\.jar))");

    private static final Map<String, Optional<ModuleDescriptor>> DESCRIPTORS = new ConcurrentHashMap<>();

    private Modules() {
    }

    /** The module of {@code c}, or empty for classes of no jrump module (the JDK, libraries). */
    static Optional<String> of(JavaClass type) {
        JavaClass c = type.getBaseComponentType();
        if (c.getPackageName().startsWith(FIXTURES + ".")) {
            String rest = c.getPackageName().substring(FIXTURES.length() + 1);
            String m = rest.split("\\.")[0];
            return Optional.of(m.equals("benchmarks") ? BENCHMARKS : "rump-" + m);
        }
        String where = location(c);
        for (Pattern p : new Pattern[] {BUILD_DIR, JAR}) {
            Matcher m = p.matcher(where);
            if (m.find() && ALL.contains(m.group(1))) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** The Java module descriptor that came with {@code c}'s classes; empty when they have none (class path only). */
    static Optional<ModuleDescriptor> descriptor(JavaClass c) {
        Matcher m = ROOT.matcher(location(c));
        if (!m.find()) {
            return Optional.empty();
        }
        return DESCRIPTORS.computeIfAbsent(m.group(1), Modules::readDescriptor);
    }

    private static Optional<ModuleDescriptor> readDescriptor(String root) {
        Path path = Path.of(URI.create(root));
        if (Files.isDirectory(path) && !Files.exists(path.resolve("module-info.class"))) {
            return Optional.empty();
        }
        try {
            return ModuleFinder.of(path).findAll().stream().findFirst().map(ModuleReference::descriptor).filter(d -> !d.isAutomatic());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String location(JavaClass c) {
        return c.getSource().map(s -> s.getUri().toString()).orElse("");
    }

    /** Classes of any of {@code modules}. */
    static DescribedPredicate<JavaClass> in(String... modules) {
        Set<String> set = Set.of(modules);
        return DescribedPredicate.describe("in " + String.join(", ", Arrays.stream(modules).sorted().toList()),
                c -> of(c).map(set::contains).orElse(false));
    }

    /** Classes of a jrump module. */
    static DescribedPredicate<JavaClass> jrump() {
        return DescribedPredicate.describe("in a jrump module", c -> of(c).isPresent());
    }
}
