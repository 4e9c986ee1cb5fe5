package io.jrump.junit;

import io.jrump.api.Credentials;
import io.jrump.api.ErrnoException;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.RumpProcess;
import io.jrump.api.Syscalls;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstantiationAwareExtension;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link RumpTest}: boots a kernel for each test method (or one
 * for the class), hands it out as {@link RumpKernel}, {@link Syscalls} or {@link RumpProcess}
 * to parameters and {@link RumpInject} fields, and closes it when the test is done.
 *
 * <p>Design note: kernels live in the store of the extension context they belong to (the
 * method's, or the class's for {@link KernelLifecycle#PER_CLASS}), and are closed in the
 * matching after-callback; JUnit would also close them with the store, as they are
 * {@link AutoCloseable}. The {@link RumpBuilder}s live in the root store keyed by their
 * settings, so a run links each configuration once and every further boot costs only the
 * kernel's own construction. Constructor parameters are resolved in the test method's
 * context ({@link TestInstantiationAwareExtension}), so a per-method test instance gets the
 * same kernel as its test method.
 */
public final class RumpExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback, ParameterResolver, TestInstantiationAwareExtension {

    private static final Namespace NAMESPACE = Namespace.create(RumpExtension.class);

    /**
     * Keys of what one context owns. A store also answers from its ancestors' stores, so the
     * keys name the context: a method with a kernel of its own must not find its class's.
     */
    private record Owned(String what, String contextId) {
        static Owned kernel(ExtensionContext context) {
            return new Owned("kernel", context.getUniqueId());
        }

        static Owned processes(ExtensionContext context) {
            return new Owned("processes", context.getUniqueId());
        }
    }

    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        if (classSettings(testClass).lifecycle() == KernelLifecycle.PER_CLASS) {
            kernel(context); // boot now, so that a failing boot is reported once, on the class
            injectFields(testClass, null, context);
        } else {
            List<Field> statics = AnnotationSupport.findAnnotatedFields(testClass, RumpInject.class, RumpExtension::isStatic);
            if (!statics.isEmpty()) {
                throw new ExtensionConfigurationException("static @RumpInject field " + describe(statics.get(0))
                        + " needs @RumpTest(lifecycle = PER_CLASS): with a kernel per method there is no kernel for the class");
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            injectFields(instance.getClass(), instance, context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        release(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        release(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return isInjectable(parameterContext.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        String where = "parameter " + parameterContext.getParameter().getName() + " of " + parameterContext.getDeclaringExecutable();
        try {
            return inject(parameterContext.getParameter().getType(),
                    parameterContext.findAnnotation(RumpUser.class).orElse(null), extensionContext, where);
        } catch (ErrnoException e) {
            throw new ParameterResolutionException(where + ": " + e.getMessage(), e);
        }
    }

    /** The kernel for the test (or class) of {@code context}, booted on first use. */
    private static RumpKernel kernel(ExtensionContext context) {
        ExtensionContext owner = owner(context);
        KernelSettings settings = settings(owner);
        Store root = owner.getRoot().getStore(NAMESPACE);
        RumpBuilder builder = root.getOrComputeIfAbsent(settings, KernelSettings::newBuilder, RumpBuilder.class);
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(Owned.kernel(owner), key -> builder.boot(), RumpKernel.class);
    }

    /**
     * The context whose store holds the kernel: the test method's own, unless the class
     * shares one kernel and the method does not ask for its own.
     */
    private static ExtensionContext owner(ExtensionContext context) {
        Optional<Method> method = context.getTestMethod();
        if (method.isEmpty()) {
            if (classSettings(context.getRequiredTestClass()).lifecycle() != KernelLifecycle.PER_CLASS) {
                throw new ExtensionConfigurationException("no kernel outside a test method in " + context.getRequiredTestClass().getName()
                        + ": use @RumpTest(lifecycle = PER_CLASS) to share one kernel in @BeforeAll methods, constructors and static fields");
            }
            return context;
        }
        if (methodAnnotation(method.get()).isPresent()
                || classSettings(context.getRequiredTestClass()).lifecycle() == KernelLifecycle.PER_METHOD) {
            return context;
        }
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        return classContext;
    }

    private static KernelSettings settings(ExtensionContext owner) {
        Optional<Method> method = owner.getTestMethod();
        if (method.isPresent()) {
            Optional<RumpTest> own = methodAnnotation(method.get());
            if (own.isPresent()) {
                return KernelSettings.of(own.get(), method.get());
            }
        }
        return classSettings(owner.getRequiredTestClass());
    }

    private static Optional<RumpTest> methodAnnotation(Method method) {
        return AnnotationSupport.findAnnotation(method, RumpTest.class);
    }

    /** The settings of the nearest annotated class: the class, its superclasses, then its enclosing classes. */
    private static KernelSettings classSettings(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            Optional<RumpTest> annotation = AnnotationSupport.findAnnotation((AnnotatedElement) c, RumpTest.class);
            if (annotation.isPresent()) {
                return KernelSettings.of(annotation.get(), c.getName());
            }
        }
        return KernelSettings.DEFAULTS;
    }

    /** Sets the {@link RumpInject} fields of {@code type}: static ones when {@code instance} is null, else instance ones. */
    private static void injectFields(Class<?> type, Object instance, ExtensionContext context) throws Exception {
        boolean statics = instance == null;
        for (Field field : AnnotationSupport.findAnnotatedFields(type, RumpInject.class, f -> isStatic(f) == statics)) {
            String where = "field " + describe(field);
            if (Modifier.isFinal(field.getModifiers())) {
                throw new ExtensionConfigurationException("@RumpInject " + where + " must not be final");
            }
            if (!isInjectable(field.getType())) {
                throw new ExtensionConfigurationException("@RumpInject " + where + " has type " + field.getType().getName()
                        + "; only RumpKernel, Syscalls and RumpProcess can be injected");
            }
            Object value = inject(field.getType(), field.getAnnotation(RumpUser.class), context, where);
            field.setAccessible(true);
            field.set(instance, value);
        }
    }

    private static boolean isInjectable(Class<?> type) {
        return type == RumpKernel.class || type == Syscalls.class || type == RumpProcess.class;
    }

    private static Object inject(Class<?> type, RumpUser user, ExtensionContext context, String where) throws ErrnoException {
        if (type == RumpKernel.class && user != null) {
            throw new ExtensionConfigurationException("@RumpUser on " + where + ": a kernel has no credentials, inject Syscalls or RumpProcess");
        }
        RumpKernel kernel = kernel(context);
        if (type == RumpKernel.class) {
            return kernel;
        }
        if (type == Syscalls.class && user == null) {
            return kernel.sys();
        }
        Credentials credentials = user == null ? Credentials.ROOT : Credentials.of(user.uid(), user.gid(), user.groups());
        RumpProcess process = kernel.spawn(credentials);
        context.getStore(NAMESPACE).getOrComputeIfAbsent(Owned.processes(context), key -> new SpawnedProcesses(), SpawnedProcesses.class)
                .add(process);
        return type == RumpProcess.class ? process : process.sys();
    }

    /** Exits the processes spawned in {@code context}, then closes the kernel it owns, if any. */
    private static void release(ExtensionContext context) {
        Store store = context.getStore(NAMESPACE);
        SpawnedProcesses processes = store.remove(Owned.processes(context), SpawnedProcesses.class);
        RumpKernel kernel = store.remove(Owned.kernel(context), RumpKernel.class);
        try {
            if (processes != null) {
                processes.close();
            }
        } finally {
            if (kernel != null) {
                kernel.close();
            }
        }
    }

    private static boolean isStatic(Field field) {
        return Modifier.isStatic(field.getModifiers());
    }

    private static String describe(Field field) {
        return field.getDeclaringClass().getName() + "." + field.getName();
    }
}
