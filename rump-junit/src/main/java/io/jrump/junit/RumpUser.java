package io.jrump.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On an injected {@code Syscalls} or {@code RumpProcess} (parameter or {@link RumpInject}
 * field): a new process of the test's kernel, spawned with these credentials, rather than
 * process 1. Each injection point gets its own process; it exits when the test (or, for a
 * static field, the class) is done.
 * <pre>{@code
 * @Test
 * void othersCannotRead(Syscalls root, @RumpUser(uid = 1000, gid = 1000) Syscalls alice) { ... }
 * }</pre>
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RumpUser {
    int uid();

    int gid();

    /** Supplementary groups. */
    int[] groups() default {};
}
