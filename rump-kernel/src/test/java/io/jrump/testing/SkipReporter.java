package io.jrump.testing;

import java.io.PrintStream;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.opentest4j.TestAbortedException;

/**
 * Prints {@code SKIPPED <test>: <reason>} on standard output for every test that did not run:
 * disabled, or aborted by an assumption (a missing peer tool, not root). Surefire shows only
 * counts on the console and keeps the reasons in its XML reports; a skip whose reason nobody
 * reads looks like a pass. Registered for the JUnit Platform launcher through
 * {@code META-INF/services}; every module's tests get it with the rump-kernel test jar.
 */
public final class SkipReporter implements TestExecutionListener {
    private static final String ASSUMPTION_PREFIX = "Assumption failed: ";

    private final PrintStream out;

    public SkipReporter() {
        this(System.out);
    }

    SkipReporter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(SkipReporter::reason).orElse("aborted"));
        }
    }

    private void report(TestIdentifier test, String reason) {
        out.println("SKIPPED " + name(test) + ": " + reason);
        out.flush();
    }

    static String reason(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isEmpty()) {
            return t instanceof TestAbortedException ? "assumption failed (no reason given)" : t.toString();
        }
        return m.startsWith(ASSUMPTION_PREFIX) ? m.substring(ASSUMPTION_PREFIX.length()) : m;
    }

    /** {@code package.Class.method} (with the display name of a repeated or parameterised run), or the class. */
    static String name(TestIdentifier test) {
        TestSource source = test.getSource().orElse(null);
        if (source instanceof MethodSource m) {
            String method = m.getClassName() + "." + m.getMethodName();
            String shown = test.getDisplayName();
            return shown.startsWith(m.getMethodName() + "(") ? method : method + " [" + shown + "]";
        }
        if (source instanceof ClassSource c) {
            return c.getClassName();
        }
        return test.getDisplayName();
    }
}
