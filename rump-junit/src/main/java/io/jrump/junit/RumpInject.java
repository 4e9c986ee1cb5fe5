package io.jrump.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of type {@code RumpKernel}, {@code Syscalls} or {@code RumpProcess} that
 * {@link RumpExtension} sets to the current test's kernel before each test. Static fields
 * are set once per class and need {@link KernelLifecycle#PER_CLASS}. Add {@link RumpUser} for
 * a process with other credentials than root.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RumpInject {
}
