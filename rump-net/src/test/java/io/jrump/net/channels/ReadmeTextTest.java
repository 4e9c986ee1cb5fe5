package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's examples of programs on a kernel are the code the tests run: the Netty example is
 * {@link ReadmeNettyTest}'s lines between its markers, the JDK server is {@link HelloServer}'s
 * class; a change to one without the other fails here.
 */
class ReadmeTextTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path TESTS = Path.of("src", "test", "java", "io", "jrump", "net", "channels");

    private static String normalized(List<String> lines) {
        return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }

    private static String readme() throws Exception {
        return normalized(Files.readAllLines(README));
    }

    @Test
    void nettyExampleIsTheTestedCode() throws Exception {
        List<String> src = Files.readAllLines(TESTS.resolve("ReadmeNettyTest.java"));
        int begin = src.indexOf("        // README begin");
        int end = src.indexOf("        // README end");
        assertTrue(begin > 0 && end > begin, "markers in ReadmeNettyTest");
        String code = normalized(src.subList(begin + 1, end));
        assertTrue(readme().contains(code), "README.md shows ReadmeNettyTest's code:\n" + code);
    }

    @Test
    void httpServerExampleIsHelloServer() throws Exception {
        List<String> src = Files.readAllLines(TESTS.resolve("HelloServer.java"));
        int begin = src.indexOf("public class HelloServer {");
        assertTrue(begin > 0, "HelloServer's class line");
        String code = normalized(src.subList(begin, src.size()));
        assertTrue(readme().contains(code), "README.md shows HelloServer:\n" + code);
    }
}
