package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code jrump.channels.*} properties of the JVM-wide provider, read from a map instead of the system properties. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SystemKernelTest {
    @Test
    void busAttachmentMeetsKernelsTheProgramBootsOnTheSameNamedBus() throws Exception {
        Map<String, String> props = Map.of(SystemKernel.ATTACH, "bus:system-kernel-test", SystemKernel.ADDRESS, "10.3.0.1/24",
                SystemKernel.GATEWAY, "10.3.0.254");
        try (RumpKernel system = SystemKernel.boot(props::get);
             RumpKernel other = Rump.builder().component("net").boot()) {
            other.netconfig().ifcreate("eth0", EthernetBus.named("system-kernel-test").port());
            other.netconfig().ipv4Address("eth0", "10.3.0.2/24");
            try (ServerSocket server = KernelChannels.serverSocketFactory(other).createServerSocket(80, 1, InetAddress.getByName("10.3.0.2"));
                 Socket c = KernelChannels.socketFactory(system).createSocket("10.3.0.2", 80);
                 Socket s = server.accept()) {
                assertEquals(InetAddress.getByName("10.3.0.1"), s.getInetAddress());
                c.getOutputStream().write(7);
                assertEquals(7, s.getInputStream().read());
            }
            assertSame(EthernetBus.named("system-kernel-test"), EthernetBus.named("system-kernel-test"));
        }
    }

    @Test
    void loopbackByDefault() throws Exception {
        try (RumpKernel k = SystemKernel.boot(name -> null)) {
            assertTrue(k.netconfig().interfaces().stream().noneMatch(i -> i.name().equals(SystemKernel.IFNAME)));
        }
    }

    @Test
    void badPropertiesSayWhatIsExpected() {
        IllegalArgumentException noAddress = assertThrows(IllegalArgumentException.class,
                () -> SystemKernel.boot(Map.of(SystemKernel.ATTACH, "bus:x")::get));
        assertTrue(noAddress.getMessage().contains("needs jrump.channels.address"), noAddress.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SystemKernel.boot(Map.of(SystemKernel.ATTACH, "wire:x", SystemKernel.ADDRESS, "10.0.0.1/24")::get));
        assertTrue(unknown.getMessage().contains("expected loopback, bus:NAME, tap:TAP"), unknown.getMessage());
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> SystemKernel.boot(Map.of(SystemKernel.ATTACH, "link:listen:99999", SystemKernel.ADDRESS, "10.0.0.1/24")::get));
        assertTrue(port.getMessage().contains("bad port '99999'"), port.getMessage());
        IllegalStateException cidr = assertThrows(IllegalStateException.class,
                () -> SystemKernel.boot(Map.of(SystemKernel.ATTACH, "bus:bad-cidr", SystemKernel.ADDRESS, "10.0.0.300/24")::get));
        assertTrue(cidr.getMessage().startsWith("configuring eth0 on bus:bad-cidr as 10.0.0.300/24"), cidr.getMessage());
    }
}
