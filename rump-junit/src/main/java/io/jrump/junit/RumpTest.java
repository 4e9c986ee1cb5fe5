package io.jrump.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Boots a rump kernel for the annotated test class or method and closes it afterwards:
 * <pre>{@code
 * @RumpTest(components = "vfs", options = "tmpfs.size=1m")
 * class HelloTest {
 *     @Test
 *     void writes(Syscalls sys) throws ErrnoException {
 *         sys.mkdir("/data", 0755);
 *     }
 * }
 * }</pre>
 *
 * <p>Test methods, constructors and lifecycle methods receive {@code RumpKernel},
 * {@code Syscalls} (process 1, root) and {@code RumpProcess} parameters; fields annotated
 * {@link RumpInject} are set before each test. {@link RumpUser} on such a parameter or field
 * asks for a process of its own with other credentials.
 *
 * <p>The annotation nearest the test wins, whole: one on a method replaces the class's (and
 * gives that method a kernel of its own even in a {@link KernelLifecycle#PER_CLASS} class);
 * a {@code @Nested} class without one uses its enclosing class's. It may also be used as a
 * meta-annotation, to name a configuration once for many tests.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RumpExtension.class)
public @interface RumpTest {
    /** The platform by name ("host"); empty selects one as {@code Rump.builder()} does. */
    String platform() default "";

    /** The components to boot ("vfs"); empty boots every component on the class path. */
    String[] components() default {};

    /** Options as {@code key=value} ("tmpfs.size=1m"). */
    String[] options() default {};

    /** Zero-filled memory disks as {@code name=size}, the size in bytes or with a k, m or g suffix ("disk0=4m"). */
    String[] memoryDisks() default {};

    /** Whether each test method gets a fresh kernel, or the whole class shares one. */
    KernelLifecycle lifecycle() default KernelLifecycle.PER_METHOD;
}
