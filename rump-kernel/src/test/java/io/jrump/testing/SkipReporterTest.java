package io.jrump.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Every test that does not run is named on the console with its reason; tests that run are not mentioned. */
class SkipReporterTest {

    /** Run by the launcher below, not by Surefire (which leaves nested classes alone). */
    static class Sample {
        @Test
        void passes() {
        }

        @Test
        void needsATool() {
            Peers.require("no-such-tool-jrump", "jrump-imaginary");
        }

        @Test
        void assumesWithoutSayingWhy() {
            Assumptions.assumeTrue(false);
        }

        @Test
        @Disabled("waiting for the TAP device")
        void disabled() {
        }
    }

    @Test
    void skippedTestsArePrintedWithTheirReason() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        // only this listener: the one registered for the whole run would print the sample's skips as well
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build());
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Sample.class)).build(),
                new SkipReporter(new PrintStream(buf, true, StandardCharsets.UTF_8)));
        String name = Sample.class.getName();
        assertEquals(List.of(
                "SKIPPED " + name + ".assumesWithoutSayingWhy: assumption is not true",
                "SKIPPED " + name + ".disabled: waiting for the TAP device",
                "SKIPPED " + name + ".needsATool: no-such-tool-jrump not installed (Debian package jrump-imaginary)"),
                buf.toString(StandardCharsets.UTF_8).lines().sorted().toList());
    }
}
