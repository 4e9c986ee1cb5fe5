package io.jrump.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static io.jrump.architecture.Modules.API;
import static io.jrump.architecture.Modules.ARM;
import static io.jrump.architecture.Modules.BENCHMARKS;
import static io.jrump.architecture.Modules.CLI;
import static io.jrump.architecture.Modules.FS;
import static io.jrump.architecture.Modules.JUNIT;
import static io.jrump.architecture.Modules.KERNEL;
import static io.jrump.architecture.Modules.MEASURE;
import static io.jrump.architecture.Modules.NET;
import static io.jrump.architecture.Modules.XEN;
import static io.jrump.architecture.Modules.in;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.kern.KFile;
import java.lang.module.ModuleDescriptor;
import java.util.Optional;

/**
 * The project's arrows (design, "Testing"; docs/ARCHITECTURE.md, "Modules and their arrows"),
 * as ArchUnit rules over the compiled classes of every module. {@link ArchitectureTest} checks
 * them against the code; {@link RulesFailWhenBrokenTest} shows each one failing on a class that
 * breaks it. Modules are told apart by where their classes come from ({@link Modules}).
 */
final class Rules {
    private Rules() {
    }

    /** The API and its SPIs know nothing but themselves and the JDK: the kernel is found through ServiceLoader. */
    static final ArchRule API_IMPORTS_NO_IMPLEMENTATION = noClasses().that(in(API))
            .should().dependOnClassesThat(not(in(API)).and(not(resideInAPackage("java.."))))
            .as("the API imports no implementation (nothing but rump-api and java.*)");

    /** The base kernel knows no faction, no adapter, no platform module. */
    static final ArchRule KERNEL_IMPORTS_NO_FACTION = noClasses().that(in(KERNEL))
            .should().dependOnClassesThat(in(FS, NET, XEN, ARM, CLI, JUNIT, MEASURE, BENCHMARKS))
            .as("the base kernel imports no file system, network stack, platform module, CLI or other adapter");

    /** File systems and the network stack never see each other. */
    static final ArchRule FS_APART_FROM_NET = noClasses().that(in(FS)).should().dependOnClassesThat(in(NET))
            .as("file systems do not import the network stack");

    static final ArchRule NET_APART_FROM_FS = noClasses().that(in(NET)).should().dependOnClassesThat(in(FS))
            .as("the network stack does not import file systems");

    /** Platforms sit below the factions: what runs on Xen or ARM is the same VFS and stack. */
    static final ArchRule PLATFORMS_IMPORT_NO_FACTION = noClasses().that(in(XEN, ARM))
            .should().dependOnClassesThat(in(FS, NET, CLI, JUNIT, MEASURE, BENCHMARKS))
            .as("platform modules import no file system, network stack or adapter")
            // rump-xen and rump-arm may still be empty; the rule holds for whatever they contain.
            .allowEmptyShould(true);

    /** The benchmarks measure the way the CLI does through rump-measure, not by reaching into the CLI. */
    static final ArchRule BENCHMARKS_NOT_ON_CLI = noClasses().that(in(BENCHMARKS)).should().dependOnClassesThat(in(CLI))
            .as("the benchmarks do not import the CLI");

    /**
     * Drivers: the file systems (all of rump-fs but the VFS component, the VFS and the NIO
     * adapter) and the network's devices and link layer ({@code io.jrump.net..}). They are
     * handed a BlockDevice or NetDevice, never what could open any device.
     */
    static final DescribedPredicate<JavaClass> DRIVERS = DescribedPredicate.describe("drivers (file systems, network devices)",
            c -> in(FS).test(c) && !resideInAnyPackage("io.jrump.fs", "io.jrump.fs.vfs..", "io.jrump.fs.nio..").test(c)
                    || in(NET).test(c) && resideInAPackage("io.jrump.net..").test(c));

    static final ArchRule DRIVERS_SEE_NO_PLATFORM = noClasses().that(DRIVERS)
            .should().dependOnClassesThat(belongToAnyOf(Platform.class, PlatformProvider.class, PlatformConfig.class,
                    ComponentContext.class, KernelComponent.class).and(DescribedPredicate.describe("(not a nested type)",
                    (JavaClass c) -> !c.isNestedClass())))
            .as("drivers see BlockDevice / NetDevice, never a Platform");

    /** The network stack: rump-net outside its link layer and devices. */
    static final DescribedPredicate<JavaClass> NET_STACK = DescribedPredicate.describe("the network stack",
            c -> in(NET).test(c) && !resideInAPackage("io.jrump.net..").test(c));

    /** The simulation drives devices from outside the stack; the stack knows only NetClock. */
    static final ArchRule STACK_IMPORTS_NO_SIMULATION = noClasses().that(NET_STACK)
            .should().dependOnClassesThat().haveFullyQualifiedName("io.jrump.net.dev.Simulation")
            .as("the network stack does not import the simulation");

    /** A file's descriptor count belongs to the descriptor tables; factions only implement KFile. */
    static final ArchRule DESCRIPTOR_BOOKKEEPING_IN_KERNEL = noClasses().that().resideOutsideOfPackage("io.jrump.kern.internal..")
            .should().callMethod(KFile.class, "descriptorAdded")
            .orShould().callMethod(KFile.class, "descriptorRemoved")
            .orShould().callMethod(KFile.class, "closeLast")
            .as("only the base kernel's descriptor tables count descriptors and close files");

    /**
     * No package cycles, in any module. Each package is a slice, except that the API and its
     * {@code spi} package are one: they are one public surface and refer to each other.
     */
    static final ArchRule NO_PACKAGE_CYCLES = SlicesRuleDefinition.slices().assignedFrom(new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            if (!Modules.jrump().test(c)) {
                return SliceIdentifier.ignore();
            }
            String p = c.getPackageName();
            return SliceIdentifier.of(p.equals("io.jrump.api.spi") ? "io.jrump.api" : p);
        }

        @Override
        public String getDescription() {
            return "packages of jrump (io.jrump.api and io.jrump.api.spi as one)";
        }
    }).should().beFreeOfCycles().as("no package cycles inside a module (io.jrump.api and io.jrump.api.spi as one)");

    /**
     * Between modules, only exported packages are used: a package a module-info does not export
     * (or exports only to named modules) is off limits to other modules even where they compile
     * on the class path (the platform modules before they have a module-info). The benchmarks
     * are the exception: like tests they measure modules from inside (ext2's mount options), and
     * they ship in no library jar.
     */
    static final ArchRule ONLY_EXPORTED_PACKAGES = ArchRuleDefinition.classes().that(Modules.jrump().and(not(in(BENCHMARKS))))
            .should(new ArchCondition<JavaClass>("use other modules only through packages they export to them") {
                @Override
                public void check(JavaClass c, ConditionEvents events) {
                    String from = Modules.of(c).orElseThrow();
                    Optional<String> fromName = Modules.descriptor(c).map(ModuleDescriptor::name);
                    for (Dependency d : c.getDirectDependenciesFromSelf()) {
                        JavaClass target = d.getTargetClass().getBaseComponentType();
                        Optional<String> to = Modules.of(target);
                        if (to.isEmpty() || to.get().equals(from)) {
                            continue;
                        }
                        Optional<ModuleDescriptor> descriptor = Modules.descriptor(target);
                        if (descriptor.isEmpty()) {
                            continue;
                        }
                        String pkg = target.getPackageName();
                        boolean exported = descriptor.get().exports().stream().anyMatch(e -> e.source().equals(pkg)
                                && (!e.isQualified() || fromName.isPresent() && e.targets().contains(fromName.get())));
                        if (!exported) {
                            events.add(SimpleConditionEvent.violated(d, d.getDescription() + ": " + to.get() + " does not export "
                                    + pkg + " to " + from));
                        }
                    }
                }
            });
}
