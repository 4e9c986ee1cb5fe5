package io.jrump.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.cause;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.jrump.api.BootException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.RumpKernel;
import io.jrump.api.RumpProcess;
import io.jrump.api.Syscalls;
import io.jrump.api.spi.DeviceInfo;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Runs small test classes (the static nested {@code Fixture...} classes, which the build
 * does not run on their own) through the Jupiter engine and checks what the extension did:
 * which kernels the tests got, and that every kernel was closed afterwards.
 */
class RumpExtensionTest {

    /** Kernels the fixtures saw, in order; reset before each run. */
    static final List<RumpKernel> KERNELS = new CopyOnWriteArrayList<>();

    @BeforeEach
    void clear() {
        KERNELS.clear();
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute();
    }

    private static void assertAllPassed(Class<?> fixture, int tests) {
        EngineExecutionResults results = run(fixture);
        results.allEvents().assertStatistics(stats -> stats.failed(0).aborted(0).skipped(0));
        assertEquals(tests, results.testEvents().succeeded().count(), () -> "tests of " + fixture.getSimpleName() + " that passed");
        assertEquals(0, results.containerEvents().failed().count(), "failed containers");
    }

    // ---- per method ----

    @RumpTest
    static class FixturePerMethod {
        @Test
        void first(RumpKernel kernel) {
            assertFalse(kernel.isClosed());
            KERNELS.add(kernel);
        }

        @Test
        void second(RumpKernel kernel, Syscalls sys) {
            assertFalse(kernel.isClosed());
            assertSame(kernel.sys(), sys);
            KERNELS.add(kernel);
        }
    }

    @Test
    void perMethodGivesEachTestAFreshKernelAndClosesIt() {
        assertAllPassed(FixturePerMethod.class, 2);
        assertEquals(2, KERNELS.size());
        assertNotSame(KERNELS.get(0), KERNELS.get(1));
        assertNotEquals(KERNELS.get(0).name(), KERNELS.get(1).name());
        assertTrue(KERNELS.get(0).isClosed(), "first kernel closed");
        assertTrue(KERNELS.get(1).isClosed(), "second kernel closed");
    }

    // ---- per class ----

    @RumpTest(lifecycle = KernelLifecycle.PER_CLASS)
    static class FixturePerClass {
        @RumpInject
        static RumpKernel shared;
        static boolean closedInAfterAll = true;

        @BeforeAll
        static void boot(RumpKernel kernel) {
            assertSame(shared, kernel, "static field and @BeforeAll parameter");
            KERNELS.add(kernel);
        }

        @Test
        void one(RumpKernel kernel) {
            KERNELS.add(kernel);
        }

        @Test
        void two(RumpKernel kernel) {
            KERNELS.add(kernel);
        }

        @AfterAll
        static void done() {
            closedInAfterAll = shared.isClosed();
        }
    }

    @Test
    void perClassSharesOneKernelAndClosesItAfterTheClass() {
        assertAllPassed(FixturePerClass.class, 2);
        assertEquals(3, KERNELS.size());
        assertSame(KERNELS.get(0), KERNELS.get(1));
        assertSame(KERNELS.get(0), KERNELS.get(2));
        assertFalse(FixturePerClass.closedInAfterAll, "kernel still open in @AfterAll");
        assertTrue(KERNELS.get(0).isClosed(), "kernel closed after the class");
    }

    // ---- fields, constructors, processes ----

    @RumpTest
    static class FixtureFields {
        private final RumpKernel fromConstructor;

        @RumpInject
        RumpKernel kernel;

        @RumpInject
        Syscalls root;

        @RumpInject
        @RumpUser(uid = 1000, gid = 100, groups = {20, 30})
        Syscalls alice;

        @RumpInject
        @RumpUser(uid = 1001, gid = 100)
        RumpProcess bob;

        FixtureFields(RumpKernel kernel) {
            this.fromConstructor = kernel;
        }

        @Test
        void fieldsAndConstructorShareTheTestsKernel(RumpKernel parameter) {
            assertSame(parameter, kernel);
            assertSame(parameter, fromConstructor);
            assertSame(kernel.sys(), root);
            KERNELS.add(kernel);
        }

        @Test
        void rumpUserSpawnsProcessesWithThoseCredentials() {
            assertEquals(1, root.getpid());
            assertEquals(0, root.geteuid());
            assertEquals(1000, alice.getuid());
            assertEquals(100, alice.getgid());
            assertNotEquals(1, alice.getpid());
            assertEquals(1001, bob.credentials().uid());
            assertEquals(bob.pid(), bob.sys().getpid());
            assertNotEquals(alice.getpid(), bob.pid());
            KERNELS.add(kernel);
        }
    }

    @Test
    void injectsFieldsAndConstructorParameters() {
        assertAllPassed(FixtureFields.class, 2);
        assertEquals(2, KERNELS.size());
        assertTrue(KERNELS.stream().allMatch(RumpKernel::isClosed));
    }

    @RumpTest(lifecycle = KernelLifecycle.PER_CLASS)
    static class FixtureProcessesExitWithTheTest {
        static RumpProcess first;

        @Test
        void a(@RumpUser(uid = 1000, gid = 1000) RumpProcess process) throws Exception {
            process.sys().pipe();
            first = process;
        }

        @Test
        void b(RumpKernel kernel) {
            assertNotNull(first, "test a ran first (methods run in a deterministic order)");
            assertFalse(kernel.isClosed());
            assertThrows(KernelClosedException.class, () -> first.sys().pipe(), "process of the earlier test has exited");
        }
    }

    @Test
    void spawnedProcessesExitAfterTheirTestEvenWhenTheKernelLivesOn() {
        // Jupiter's default method order is deterministic but not alphabetical; make it so.
        EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.testmethod.order.default", "org.junit.jupiter.api.MethodOrderer$MethodName")
                .selectors(selectClass(FixtureProcessesExitWithTheTest.class)).execute()
                .testEvents().assertStatistics(stats -> stats.failed(0).succeeded(2));
    }

    // ---- configuration ----

    @RumpTest(components = ProbeComponent.NAME, options = ProbeComponent.WORD + "=class", lifecycle = KernelLifecycle.PER_CLASS)
    static class FixtureMethodOverridesClass {
        @Test
        void usesClassKernel(RumpKernel kernel) {
            assertEquals("class", ProbeComponent.seen(kernel.name()).word());
            assertEquals(List.of(ProbeComponent.NAME), kernel.components());
            KERNELS.add(kernel);
        }

        @Test
        @RumpTest(components = ProbeComponent.NAME, options = ProbeComponent.WORD + "=method", memoryDisks = "disk0=64k")
        void ownKernel(RumpKernel kernel) {
            ProbeComponent.Sighting seen = ProbeComponent.seen(kernel.name());
            assertEquals("method", seen.word());
            DeviceInfo disk = seen.devices().stream().filter(d -> d.name().equals("disk0")).findFirst().orElseThrow();
            assertEquals(DeviceInfo.Type.BLOCK, disk.type());
            assertEquals(64 * 1024, disk.size());
            KERNELS.add(kernel);
        }
    }

    @Test
    void methodAnnotationReplacesTheClassOneWithAKernelOfItsOwn() {
        assertAllPassed(FixtureMethodOverridesClass.class, 2);
        assertEquals(2, KERNELS.size());
        assertNotSame(KERNELS.get(0), KERNELS.get(1));
        assertTrue(KERNELS.stream().allMatch(RumpKernel::isClosed));
    }

    @Retention(RetentionPolicy.RUNTIME)
    @RumpTest(platform = "host", components = ProbeComponent.NAME, options = ProbeComponent.WORD + "=meta")
    @interface ProbeKernel {
    }

    @ProbeKernel
    static class FixtureMetaAnnotation {
        @Test
        void configuredByMetaAnnotation(RumpKernel kernel) {
            assertEquals("meta", ProbeComponent.seen(kernel.name()).word());
            assertEquals("host", kernel.platformName());
            KERNELS.add(kernel);
        }

        @Nested
        class Inner {
            @Test
            void nestedClassUsesEnclosingConfiguration(RumpKernel kernel) {
                assertEquals("meta", ProbeComponent.seen(kernel.name()).word());
                KERNELS.add(kernel);
            }
        }
    }

    @Test
    void metaAnnotationAndNestedClasses() {
        assertAllPassed(FixtureMetaAnnotation.class, 2);
        assertEquals(2, KERNELS.size());
        assertTrue(KERNELS.stream().allMatch(RumpKernel::isClosed));
    }

    @RumpTest
    static class FixtureParameterized {
        @ParameterizedTest
        @ValueSource(ints = {1, 2, 3})
        void eachInvocationGetsItsOwnKernel(int n, RumpKernel kernel) {
            KERNELS.add(kernel);
        }
    }

    @Test
    void parameterizedInvocationsGetAKernelEach() {
        assertAllPassed(FixtureParameterized.class, 3);
        assertEquals(3, KERNELS.stream().distinct().count());
        assertTrue(KERNELS.stream().allMatch(RumpKernel::isClosed));
    }

    // ---- mistakes are reported, not ignored ----

    @RumpTest
    static class FixtureStaticFieldPerMethod {
        @RumpInject
        static Syscalls sys;

        @Test
        void never() {
        }
    }

    @Test
    void staticFieldNeedsPerClass() {
        run(FixtureStaticFieldPerMethod.class).containerEvents().assertThatEvents().haveExactly(1,
                event(container(FixtureStaticFieldPerMethod.class), finishedWithFailure(
                        instanceOf(ExtensionConfigurationException.class), message(m -> m.contains("needs @RumpTest(lifecycle = PER_CLASS)")))));
    }

    @RumpTest(options = "no-equals-sign")
    static class FixtureBadOption {
        @Test
        void never(RumpKernel kernel) {
            KERNELS.add(kernel);
        }
    }

    @Test
    void malformedOptionFailsTheClassNamingIt() {
        EngineExecutionResults results = run(FixtureBadOption.class);
        results.containerEvents().assertThatEvents().haveExactly(1,
                event(container(FixtureBadOption.class), finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
                        message(m -> m.contains("'no-equals-sign' is not name=value") && m.contains(FixtureBadOption.class.getName())))));
        assertEquals(0, results.testEvents().started().count());
        assertTrue(KERNELS.isEmpty());
    }

    @RumpTest(platform = "no-such-platform")
    static class FixtureUnknownPlatform {
        @Test
        void never(RumpKernel kernel) {
            KERNELS.add(kernel);
        }
    }

    @Test
    void unknownPlatformFailsWithTheKernelsBootException() {
        run(FixtureUnknownPlatform.class).testEvents().assertThatEvents().haveExactly(1,
                event(test("never"), finishedWithFailure(instanceOf(ParameterResolutionException.class),
                        cause(instanceOf(BootException.class), message(m -> m.contains("no-such-platform"))))));
        assertTrue(KERNELS.isEmpty());
    }

    @RumpTest
    static class FixtureWrongFieldType {
        @RumpInject
        String notAKernel;

        @Test
        void never() {
        }
    }

    @Test
    void fieldOfAnotherTypeIsAConfigurationError() {
        run(FixtureWrongFieldType.class).testEvents().assertThatEvents().haveExactly(1,
                event(test("never"), finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
                        message(m -> m.contains("notAKernel") && m.contains("java.lang.String")))));
    }

    @RumpTest
    static class FixtureUserOnKernel {
        @Test
        void never(@RumpUser(uid = 1, gid = 1) RumpKernel kernel) {
        }
    }

    @Test
    void rumpUserOnAKernelIsAConfigurationError() {
        run(FixtureUserOnKernel.class).testEvents().assertThatEvents().haveExactly(1,
                event(test("never"), finishedWithFailure(message(m -> m.contains("a kernel has no credentials")))));
    }

    @RumpTest
    static class FixtureBeforeAllPerMethod {
        @BeforeAll
        static void setUp(Syscalls sys) {
        }

        @Test
        void never() {
        }
    }

    @Test
    void beforeAllParameterNeedsPerClass() {
        run(FixtureBeforeAllPerMethod.class).containerEvents().assertThatEvents().haveExactly(1,
                event(container(FixtureBeforeAllPerMethod.class), finishedWithFailure(message(m -> m.contains("lifecycle = PER_CLASS")))));
    }
}
