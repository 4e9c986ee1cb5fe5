package io.jrump.architecture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.jrump.architecture.fixture.api.ApiUsesKernel;
import io.jrump.architecture.fixture.benchmarks.BenchmarkUsesCli;
import io.jrump.architecture.fixture.cli.CliClosesFiles;
import io.jrump.architecture.fixture.cli.CliUsesKernelInternals;
import io.jrump.architecture.fixture.cli.cycle.a.CycleA;
import io.jrump.architecture.fixture.fs.DriverSeesPlatform;
import io.jrump.architecture.fixture.fs.FsUsesNet;
import io.jrump.architecture.fixture.kernel.KernelUsesFs;
import io.jrump.architecture.fixture.net.NetUsesFs;
import io.jrump.architecture.fixture.net.StackUsesSimulation;
import io.jrump.architecture.fixture.xen.PlatformUsesNet;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link Rules}, checked against the fixtures (classes that break one rule each):
 * it must report the fixture that breaks it. A rule that never fails would pass
 * {@link ArchitectureTest} whatever the code did.
 */
class RulesFailWhenBrokenTest {
    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages(Modules.FIXTURES);

    private static void failsOn(ArchRule rule, Class<?> culprit) {
        EvaluationResult result = rule.evaluate(FIXTURES);
        String report = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(result.hasViolation() && report.contains(culprit.getName()),
                "rule '" + rule.getDescription() + "' should fail on " + culprit.getSimpleName() + "; it reported:\n" + report);
    }

    @Test
    void apiImportsNoImplementation() {
        failsOn(Rules.API_IMPORTS_NO_IMPLEMENTATION, ApiUsesKernel.class);
    }

    @Test
    void kernelImportsNoFaction() {
        failsOn(Rules.KERNEL_IMPORTS_NO_FACTION, KernelUsesFs.class);
    }

    @Test
    void factionsApart() {
        failsOn(Rules.FS_APART_FROM_NET, FsUsesNet.class);
        failsOn(Rules.NET_APART_FROM_FS, NetUsesFs.class);
    }

    @Test
    void platformsImportNoFaction() {
        failsOn(Rules.PLATFORMS_IMPORT_NO_FACTION, PlatformUsesNet.class);
    }

    @Test
    void benchmarksNotOnCli() {
        failsOn(Rules.BENCHMARKS_NOT_ON_CLI, BenchmarkUsesCli.class);
    }

    @Test
    void driversSeeNoPlatform() {
        failsOn(Rules.DRIVERS_SEE_NO_PLATFORM, DriverSeesPlatform.class);
    }

    @Test
    void stackImportsNoSimulation() {
        failsOn(Rules.STACK_IMPORTS_NO_SIMULATION, StackUsesSimulation.class);
    }

    @Test
    void descriptorBookkeepingInKernel() {
        failsOn(Rules.DESCRIPTOR_BOOKKEEPING_IN_KERNEL, CliClosesFiles.class);
    }

    @Test
    void noPackageCycles() {
        failsOn(Rules.NO_PACKAGE_CYCLES, CycleA.class);
    }

    @Test
    void onlyExportedPackages() {
        failsOn(Rules.ONLY_EXPORTED_PACKAGES, CliUsesKernelInternals.class);
    }
}
