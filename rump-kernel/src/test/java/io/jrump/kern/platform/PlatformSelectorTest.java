package io.jrump.kern.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BootException;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import io.jrump.platform.host.HostPlatformProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformSelectorTest {

    /** A provider whose probe answers what the test says and counts how often it is asked. */
    static final class FakeProvider implements PlatformProvider {
        final String name;
        final Supplier<Probe> probe;
        int probes;

        FakeProvider(String name, Supplier<Probe> probe) {
            this.name = name;
            this.probe = probe;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Probe probe() {
            probes++;
            return probe.get();
        }

        @Override
        public Platform open(PlatformConfig config) throws ErrnoException {
            throw new UnsupportedOperationException();
        }
    }

    private final FakeProvider host = new FakeProvider("host", () -> Probe.supported(0, "jvm"));
    private final FakeProvider xen = new FakeProvider("xen", () -> Probe.unsupported("no hypervisor"));
    private final FakeProvider arm = new FakeProvider("arm", () -> Probe.supported(5, "virtio"));

    private static List<ProviderCandidate> candidates(PlatformProvider... providers) {
        List<ProviderCandidate> list = new ArrayList<>();
        for (PlatformProvider p : providers) {
            list.add(ProviderCandidate.of(p));
        }
        return list;
    }

    @Test
    void explicitRequestWinsOverPropertyAndEnvironment() {
        assertSame(host, PlatformSelector.choose("host", "arm", "arm", candidates(host, xen, arm)));
    }

    @Test
    void propertyWinsOverEnvironment() {
        assertSame(host, PlatformSelector.choose(null, "host", "arm", candidates(host, xen, arm)));
    }

    @Test
    void environmentUsedWhenNothingElseNamesAPlatform() {
        assertSame(host, PlatformSelector.choose(null, null, "host", candidates(host, xen, arm)));
    }

    @Test
    void blankNamesCountAsNotGiven() {
        assertSame(host, PlatformSelector.choose("  ", "", " host ", candidates(host, xen, arm)));
    }

    @Test
    void highestPrioritySupportedProviderWinsWhenNothingIsNamed() {
        assertSame(arm, PlatformSelector.choose(null, null, null, candidates(host, xen, arm)));
    }

    @Test
    void hostRemainsWhenNothingBetterIsSupported() {
        assertSame(host, PlatformSelector.choose(null, null, null, candidates(xen, host)));
    }

    @Test
    void equalPrioritiesGoToTheProviderFoundFirst() {
        FakeProvider other = new FakeProvider("other", () -> Probe.supported(5, "x"));
        assertSame(other, PlatformSelector.choose(null, null, null, candidates(host, other, arm)));
    }

    @Test
    void explicitUnsupportedPlatformFailsListingEveryProvider() {
        BootException e = assertThrows(BootException.class,
                () -> PlatformSelector.choose("xen", null, null, candidates(host, xen, arm)));
        assertEquals("platform 'xen' is not available; providers found: host (supported, priority 0), "
                + "xen (unsupported: no hypervisor), arm (supported, priority 5)", e.getMessage());
    }

    @Test
    void unknownPlatformFromPropertyFailsAndSaysWhereTheNameCameFrom() {
        BootException e = assertThrows(BootException.class,
                () -> PlatformSelector.choose(null, "vax", "host", candidates(host, arm)));
        assertEquals("platform 'vax' (from system property jrump.platform) is not available; providers found: "
                + "host (supported, priority 0), arm (supported, priority 5)", e.getMessage());
    }

    @Test
    void unknownPlatformFromEnvironmentFails() {
        BootException e = assertThrows(BootException.class,
                () -> PlatformSelector.choose(null, null, "vax", candidates(host)));
        assertEquals("platform 'vax' (from environment variable JRUMP_PLATFORM) is not available; providers found: "
                + "host (supported, priority 0)", e.getMessage());
    }

    @Test
    void noProvidersAtAll() {
        BootException e = assertThrows(BootException.class, () -> PlatformSelector.choose(null, null, null, List.of()));
        assertEquals("no platform is available; providers found: none", e.getMessage());
    }

    @Test
    void eachProviderIsProbedAtMostOncePerSelection() {
        assertThrows(BootException.class, () -> PlatformSelector.choose("nope", null, null, candidates(host, xen, arm)));
        assertEquals(1, host.probes);
        assertEquals(1, xen.probes);
        assertEquals(1, arm.probes);
    }

    @Test
    void explicitRequestProbesOnlyWhatItNeeds() {
        PlatformSelector.choose("host", null, null, candidates(host, xen, arm));
        assertEquals(1, host.probes);
        assertEquals(0, xen.probes);
        assertEquals(0, arm.probes);
    }

    @Test
    void aProbeThatThrowsMakesItsProviderUnsupportedNotTheSelection() {
        FakeProvider broken = new FakeProvider("broken", () -> {
            throw new IllegalStateException("boom");
        });
        FakeProvider unlinked = new FakeProvider("jna", () -> {
            throw new NoClassDefFoundError("com/sun/jna/Native");
        });
        assertSame(host, PlatformSelector.choose(null, null, null, candidates(broken, unlinked, host)));
        BootException e = assertThrows(BootException.class,
                () -> PlatformSelector.choose("broken", null, null, candidates(broken, unlinked, host)));
        assertTrue(e.getMessage().contains("broken (unsupported: probe failed: java.lang.IllegalStateException: boom)"), e.getMessage());
        assertTrue(e.getMessage().contains("jna (unsupported: probe failed: java.lang.NoClassDefFoundError: com/sun/jna/Native)"),
                e.getMessage());
    }

    @Test
    void aProviderWithoutANameIsListedButNeverChosen() {
        FakeProvider nameless = new FakeProvider(null, () -> Probe.supported(99, "x"));
        assertSame(host, PlatformSelector.choose(null, null, null, candidates(nameless, host)));
    }

    @Test
    void serviceLoaderFindsTheHostPlatform() {
        List<ProviderCandidate> found = PlatformSelector.discover(getClass().getClassLoader());
        assertEquals(1, found.stream().filter(c -> c.name().equals("host")).count(), "host found exactly once");
        assertInstanceOf(HostPlatformProvider.class, PlatformSelector.select("host", getClass().getClassLoader()));
        assertInstanceOf(HostPlatformProvider.class, PlatformSelector.select("host", null));
    }

    @Test
    void providersOfAGivenLoaderAreFoundAndBrokenEntriesReported(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(PlatformProvider.class.getName()),
                ExtraProvider.class.getName() + "\nio.jrump.nowhere.MissingProvider\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            List<ProviderCandidate> found = PlatformSelector.discover(loader);
            assertInstanceOf(ExtraProvider.class, PlatformSelector.choose(null, null, null, found));
            assertInstanceOf(HostPlatformProvider.class, PlatformSelector.choose("host", null, null, found));
            BootException e = assertThrows(BootException.class, () -> PlatformSelector.choose("xen", null, null, found));
            String m = e.getMessage();
            assertTrue(m.startsWith("platform 'xen' is not available; providers found: "), m);
            assertTrue(m.contains("extra (supported, priority 7)"), m);
            assertTrue(m.contains("host (supported, priority 0)"), m);
            assertTrue(m.contains("(unloadable provider) (unsupported: ") && m.contains("io.jrump.nowhere.MissingProvider"), m);
            assertEquals(1, m.split("MissingProvider", -1).length - 1, "broken entry reported once: " + m);
        }
    }
}
