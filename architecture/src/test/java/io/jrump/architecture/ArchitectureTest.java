package io.jrump.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The architecture, checked against the main classes of every module (tests and the shared
 * test jar may cross the lines: a test of the stack drives it with a simulation, for example).
 */
@AnalyzeClasses(packages = "io.jrump", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule apiImportsNoImplementation = Rules.API_IMPORTS_NO_IMPLEMENTATION;
    @ArchTest
    static final ArchRule kernelImportsNoFaction = Rules.KERNEL_IMPORTS_NO_FACTION;
    @ArchTest
    static final ArchRule fsApartFromNet = Rules.FS_APART_FROM_NET;
    @ArchTest
    static final ArchRule netApartFromFs = Rules.NET_APART_FROM_FS;
    @ArchTest
    static final ArchRule platformsImportNoFaction = Rules.PLATFORMS_IMPORT_NO_FACTION;
    @ArchTest
    static final ArchRule benchmarksNotOnCli = Rules.BENCHMARKS_NOT_ON_CLI;
    @ArchTest
    static final ArchRule driversSeeNoPlatform = Rules.DRIVERS_SEE_NO_PLATFORM;
    @ArchTest
    static final ArchRule stackImportsNoSimulation = Rules.STACK_IMPORTS_NO_SIMULATION;
    @ArchTest
    static final ArchRule descriptorBookkeepingInKernel = Rules.DESCRIPTOR_BOOKKEEPING_IN_KERNEL;
    @ArchTest
    static final ArchRule noPackageCycles = Rules.NO_PACKAGE_CYCLES;
    @ArchTest
    static final ArchRule onlyExportedPackages = Rules.ONLY_EXPORTED_PACKAGES;

    /**
     * Every class imported here belongs to a module the rules know; otherwise a class whose
     * location went unrecognised would pass every rule unseen.
     */
    @ArchTest
    static final ArchRule everyClassHasAModule = classes().should(com.tngtech.archunit.lang.conditions.ArchConditions.be(
            Modules.jrump())).as("every class of io.jrump belongs to a known module");
}
