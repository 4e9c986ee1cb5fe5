package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java examples, as a reader copies them: each {@code ```java} block is compiled
 * against the project's jars with the imports it shows (a block of statements becomes the
 * body of a method), so an example cannot drift from the API. The examples that need no file
 * of the reader's are run too: the API example must end in the EACCES its comment promises,
 * the network example must carry its bytes. The note on {@code newFileSystem(Path, env)}
 * making a ZIP is checked against the JDK as well. A block fenced {@code ```java netty} needs
 * Netty, which only rump-net's tests have: there {@code ReadmeTextTest} checks that it is the
 * code {@code ReadmeNettyTest} runs.
 */
class ReadmeSnippetsTest {
    /** The README at the top of the source tree; tests run in the module's directory. */
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```");
    private static final Pattern CLASS_NAME = Pattern.compile("(?m)^(?:public |final |abstract )*class (\\w+)");

    /** One example: its imports, its code, and the class it compiles to. */
    record Snippet(int number, List<String> imports, String code) {
        boolean isClass() {
            return CLASS_NAME.matcher(code).find();
        }

        String className() {
            Matcher m = CLASS_NAME.matcher(code);
            return m.find() ? m.group(1) : "ReadmeSnippet" + number;
        }

        String source() {
            String head = String.join("\n", imports) + "\n\n";
            if (isClass()) {
                return head + code;
            }
            return head + "public class " + className() + " {\n    public static void run() throws Exception {\n" + code + "\n    }\n}\n";
        }
    }

    private static List<Snippet> snippets;

    @TempDir
    static Path classes;

    @BeforeAll
    static void compileAll() throws IOException {
        snippets = extract(Files.readString(README));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> problems = new DiagnosticCollector<>();
        Path sources = Files.createDirectories(classes.resolve("src"));
        List<File> files = new ArrayList<>();
        for (Snippet s : snippets) {
            Path f = sources.resolve(s.className() + ".java");
            Files.writeString(f, s.source());
            files.add(f.toFile());
        }
        try (StandardJavaFileManager fm = javac.getStandardFileManager(problems, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "-classpath", testClassPath(), "-d", classes.toString(), "-Xlint:none");
            boolean ok = javac.getTask(null, fm, problems, options, null, fm.getJavaFileObjectsFromFiles(files)).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : problems.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    report.append(d.getSource() == null ? "" : Path.of(d.getSource().toUri()).getFileName()).append(':')
                            .append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
                }
            }
            assertTrue(ok, "README examples do not compile:\n" + report + "\n" + sourcesOf(snippets));
        }
    }

    /** The class path of this test run: Surefire hands the JVM a manifest-only jar and says the real one here. */
    private static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    static List<Snippet> extract(String markdown) {
        List<Snippet> out = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            List<String> imports = new ArrayList<>();
            StringBuilder code = new StringBuilder();
            for (String line : m.group(1).split("\n", -1)) {
                if (line.startsWith("import ")) {
                    imports.add(line);
                } else if (!(code.length() == 0 && line.isBlank())) {
                    code.append(line).append('\n');
                }
            }
            out.add(new Snippet(out.size() + 1, imports, code.toString()));
        }
        return out;
    }

    private static String sourcesOf(List<Snippet> all) {
        StringBuilder sb = new StringBuilder();
        for (Snippet s : all) {
            sb.append("--- ").append(s.className()).append(".java\n").append(s.source()).append('\n');
        }
        return sb.toString();
    }

    private static Snippet containing(String text) {
        return snippets.stream().filter(s -> s.code().contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no README example contains " + text));
    }

    /** Runs a statement example; what it throws is returned, or null. */
    private static Throwable run(Snippet s) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
            try {
                loader.loadClass(s.className()).getMethod("run").invoke(null);
                return null;
            } catch (InvocationTargetException e) {
                return e.getCause();
            }
        }
    }

    @Test
    void everyExampleShowsItsImportsAndCompiles() {
        assertTrue(snippets.size() >= 4, "the API, JUnit, NIO and network examples: " + snippets.size());
        for (Snippet s : snippets) {
            assertTrue(!s.imports().isEmpty(), "example " + s.number() + " shows no imports:\n" + s.code());
        }
    }

    @Test
    void theApiExampleEndsInThePromisedEacces() throws Exception {
        Throwable t = run(containing("kernel.spawn(Credentials.of(1000, 1000))"));
        ErrnoException e = assertInstanceOf(ErrnoException.class, t, "the example's last call must fail with EACCES");
        assertEquals(Errno.EACCES, e.errno(), e.getMessage());
    }

    @Test
    void theNetworkExampleCarriesItsBytes() throws Exception {
        Throwable t = run(containing("new EthernetBus()"));
        if (t != null) {
            throw new AssertionError("the network example failed", t);
        }
    }

    @Test
    void theJunitExampleIsATestThatPasses() throws Exception {
        Snippet s = containing("@RumpTest");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
            Class<?> test = loader.loadClass(s.className());
            var summary = new org.junit.platform.launcher.listeners.SummaryGeneratingListener();
            org.junit.platform.launcher.core.LauncherFactory.create(org.junit.platform.launcher.core.LauncherConfig.builder()
                    .enableTestExecutionListenerAutoRegistration(false).build())
                    .execute(org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request()
                            .selectors(org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(test)).build(), summary);
            assertEquals(1, summary.getSummary().getTestsSucceededCount(), () -> {
                StringBuilder sb = new StringBuilder();
                summary.getSummary().getFailures().forEach(f -> sb.append(f.getException()).append('\n'));
                return "the README's test did not pass: " + sb;
            });
        }
    }

    /** What the README says about {@code newFileSystem(Path, env)}: on a missing file, create=true gives the JDK's zip file system. */
    @Test
    void creatingByPathMakesAZipAsTheReadmeWarns(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("disk.img");
        try (FileSystem fs = FileSystems.newFileSystem(missing, Map.of("create", "true"))) {
            assertEquals("jar", fs.provider().getScheme());
        }
    }
}
