package io.jrump.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

class KernelSettingsTest {

    @RumpTest(platform = "host", components = {"vfs", "net"}, options = {"tmpfs.size=1m", " a = b "}, memoryDisks = "disk0=4m")
    static class Full {
    }

    @RumpTest(platform = "host", components = {"vfs", "net"}, options = {"a=b", "tmpfs.size=1m"}, memoryDisks = "disk0=4194304")
    static class SameInOtherOrder {
    }

    @RumpTest(options = {"a=1", "a=2"})
    static class Twice {
    }

    private static KernelSettings of(Class<?> c) {
        return KernelSettings.of(c.getAnnotation(RumpTest.class), c.getName());
    }

    @Test
    void parsesEveryAttribute() {
        KernelSettings s = of(Full.class);
        assertEquals("host", s.platform());
        assertEquals(List.of("vfs", "net"), s.components());
        assertEquals(Map.of("tmpfs.size", "1m", "a", "b"), s.options());
        assertEquals(Map.of("disk0", 4L << 20), s.memoryDisks());
        assertEquals(KernelLifecycle.PER_METHOD, s.lifecycle());
    }

    @Test
    void equalSettingsAreEqualKeysWhateverTheOrderOfOptions() {
        assertEquals(of(Full.class), of(SameInOtherOrder.class));
        assertEquals(of(Full.class).hashCode(), of(SameInOtherOrder.class).hashCode());
        assertNotEquals(of(Full.class), KernelSettings.DEFAULTS);
    }

    @Test
    void optionGivenTwiceIsRejected() {
        var e = assertThrows(ExtensionConfigurationException.class, () -> of(Twice.class));
        assertTrue(e.getMessage().contains("option a is given twice"), e.getMessage());
        assertTrue(e.getMessage().contains(Twice.class.getName()), e.getMessage());
    }

    @Test
    void sizes() {
        assertEquals(512, KernelSettings.parseSize("512", "x"));
        assertEquals(64 << 10, KernelSettings.parseSize("64k", "x"));
        assertEquals(3L << 20, KernelSettings.parseSize("3M", "x"));
        assertEquals(2L << 30, KernelSettings.parseSize("2g", "x"));
        for (String bad : new String[] {"", "k", "-1", "0", "1.5m", "12q", "99999999999g"}) {
            assertThrows(ExtensionConfigurationException.class, () -> KernelSettings.parseSize(bad, "x"), bad);
        }
    }
}
