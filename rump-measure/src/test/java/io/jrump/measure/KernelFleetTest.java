package io.jrump.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelFleetTest {
    @Test
    void bootsKeepsAndClosesEveryKernelOnce() {
        RumpBuilder builder = Rump.builder().platform("host").component(CountingComponent.NAME);
        List<Integer> progress = new ArrayList<>();
        KernelFleet fleet = KernelFleet.boot(builder, 300, progress::add);
        KernelFleet.Report r = fleet.report();
        assertEquals(300, fleet.size());
        assertEquals(300, r.kernels());
        assertEquals(300, r.bootNanos().count());
        assertTrue(r.bootNanos().min() > 0);
        assertEquals(100, progress.size(), "told about every 1%");
        assertEquals(300, progress.get(progress.size() - 1));
        fleet.close();
    }

    @Test
    void reportDividesByTheFleet() {
        KernelFleet.Report r = new KernelFleet.Report(4, Samples.of(1, 2, 3, 4), 1000, 5096, 10, 12);
        assertEquals(1024, r.heapBytesPerKernel());
        assertEquals(0.5, r.threadsPerKernel());
    }

    @Test
    void aFailedBootClosesThoseAlreadyUpAndThrows() {
        // attach 1 links the configuration, 2..6 are the fleet's first five kernels, 7 fails
        CountingComponent.reset(7);
        RumpBuilder builder = Rump.builder().platform("host").component(CountingComponent.NAME);
        RuntimeException e = assertThrows(RuntimeException.class, () -> KernelFleet.boot(builder, 10, n -> { }));
        assertTrue(e.getMessage().contains("told to fail"), e.getMessage());
        assertEquals(7, CountingComponent.ATTACHED.get());
        assertEquals(6, CountingComponent.CLOSED.get(), "the linking kernel and the five booted were closed");
    }

    @Test
    void closingTheFleetClosesEachKernelOnce() {
        CountingComponent.reset(0);
        KernelFleet fleet = KernelFleet.boot(Rump.builder().platform("host").component(CountingComponent.NAME), 20, n -> { });
        assertEquals(21, CountingComponent.ATTACHED.get());
        assertEquals(1, CountingComponent.CLOSED.get(), "only the linking kernel is closed while the fleet lives");
        fleet.close();
        fleet.close();
        assertEquals(21, CountingComponent.CLOSED.get());
    }

    @Test
    void emptyFleetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> KernelFleet.boot(Rump.builder(), 0, n -> { }));
    }
}
