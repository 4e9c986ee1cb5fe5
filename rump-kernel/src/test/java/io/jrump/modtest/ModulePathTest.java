package io.jrump.modtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Services must be found on the module path too, where {@code META-INF/services} files of
 * named modules are ignored and only {@code provides} clauses count.
 */
class ModulePathTest {

    @Test
    void kernelAndHostPlatformAreFoundThroughModuleDescriptors() throws Exception {
        Path kernelClasses = Path.of("target/classes").toAbsolutePath();
        Path apiClasses = kernelClasses.resolve("../../../rump-api/target/classes").normalize();
        Path testClasses = Path.of("target/test-classes").toAbsolutePath();
        Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI()); // the host platform's way to Linux
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java,
                "--module-path", apiClasses + File.pathSeparator + kernelClasses + File.pathSeparator + jna,
                "--add-modules", "io.jrump.kernel",
                "-cp", testClasses.toString(),
                ModulePathMain.class.getName()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
        assertEquals("platform=host module=io.jrump.kernel api=io.jrump.api", out);
        assertEquals(true, Files.isDirectory(apiClasses));
    }
}
