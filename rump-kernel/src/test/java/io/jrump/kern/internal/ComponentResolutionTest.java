package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BootException;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import io.jrump.testing.TestPlatform;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ComponentResolutionTest {

    /** A component that records when it is attached and closed. */
    record Fake(String name, Set<String> requires, List<String> log, boolean fail) implements KernelComponent {
        Fake(String name, List<String> log, String... requires) {
            this(name, Set.of(requires), log, false);
        }

        @Override
        public void attach(ComponentContext context) throws ErrnoException {
            if (fail) {
                throw new ErrnoException(Errno.EIO, "broken on purpose");
            }
            log.add("attach " + name);
            context.register(closeableType(), new Closer(name, log));
        }

        @SuppressWarnings("unchecked")
        private Class<AutoCloseable> closeableType() {
            return (Class<AutoCloseable>) (Class<?>) switch (name) {
                case "a" -> A.class;
                case "b" -> B.class;
                default -> C.class;
            };
        }
    }

    /** One service type per fake component, so each can register its own. */
    record Closer(String name, List<String> log) implements A, B, C {
        @Override
        public void close() {
            log.add("close " + name);
        }
    }

    interface A extends AutoCloseable {
        @Override
        void close();
    }

    interface B extends AutoCloseable {
        @Override
        void close();
    }

    interface C extends AutoCloseable {
        @Override
        void close();
    }

    private static List<String> names(List<KernelComponent> cs) {
        return cs.stream().map(KernelComponent::name).toList();
    }

    @Test
    void requiredComponentsComeFirst() {
        List<String> log = new ArrayList<>();
        List<KernelComponent> found = List.of(new Fake("c", log, "b"), new Fake("b", log, "a"), new Fake("a", log));
        assertEquals(List.of("a", "b", "c"), names(RumpKernelFactory.resolve(found, List.of())));
        assertEquals(List.of("a", "b"), names(RumpKernelFactory.resolve(found, List.of("b"))));
    }

    @Test
    void unknownOrMissingComponentsAreNamed() {
        List<String> log = new ArrayList<>();
        List<KernelComponent> found = List.of(new Fake("c", log, "zz"), new Fake("a", log));
        BootException e = assertThrows(BootException.class, () -> RumpKernelFactory.resolve(found, List.of("nope")));
        assertEquals("component 'nope' not found; components on the class path: a, c", e.getMessage());
        e = assertThrows(BootException.class, () -> RumpKernelFactory.resolve(found, List.of("c")));
        assertTrue(e.getMessage().startsWith("component 'zz' (required by c) not found"), e.getMessage());
    }

    @Test
    void cyclesAreRefused() {
        List<String> log = new ArrayList<>();
        List<KernelComponent> found = List.of(new Fake("a", log, "b"), new Fake("b", log, "a"));
        BootException e = assertThrows(BootException.class, () -> RumpKernelFactory.resolve(found, List.of()));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void servicesCloseInReverseOrderWithTheKernel() {
        List<String> log = new ArrayList<>();
        Kernel k = TestKernels.boot(new Fake("a", log), new Fake("b", log, "a"));
        assertEquals(List.of("a", "b"), k.components());
        k.close();
        assertEquals(List.of("attach a", "attach b", "close b", "close a"), log);
    }

    @Test
    void failedAttachUndoesEarlierComponentsAndPlatform() {
        List<String> log = new ArrayList<>();
        int open = TestPlatform.OPEN.get();
        BootException e = assertThrows(BootException.class,
                () -> TestKernels.boot(new Fake("a", log), new Fake("b", Set.of(), log, true)));
        assertTrue(e.getMessage().matches("kernel rump-\\d+: component b failed to attach: EIO \\(Input/output error\\): broken on purpose"), e.getMessage());
        assertEquals(List.of("attach a", "close a"), log);
        assertEquals(open, TestPlatform.OPEN.get());
    }

    @Test
    void registryFindsByExactType() {
        ComponentRegistry r = new ComponentRegistry("k", null, java.util.Map.of("x", "1"));
        Runnable svc = () -> { };
        r.register(Runnable.class, svc);
        assertSame(svc, r.lookup(Runnable.class));
        assertEquals(null, r.lookup(Object.class));
        assertEquals("1", r.option("x", "0"));
        assertThrows(IllegalStateException.class, () -> r.register(Runnable.class, svc));
    }
}
