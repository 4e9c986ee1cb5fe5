package io.jrump.cli;

import io.jrump.api.BootException;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one line on standard error and exit status 1. Failures the
 * user can act on (a system call's errno with its path, a kernel that cannot boot) get
 * their message only; anything else is a bug in jrump and gets its stack trace too.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parseResult) {
        PrintWriter err = cli.getErr();
        if (e instanceof ErrnoException || e instanceof BootException || e instanceof KernelClosedException
                || e instanceof Transcript.UnexpectedResult) {
            err.println(prefix(cli) + e.getMessage());
        } else {
            err.println(prefix(cli) + "internal error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    private static String prefix(CommandLine cli) {
        return cli.getCommandSpec().qualifiedName() + ": ";
    }
}
