package io.jrump.cli;

import io.jrump.api.BootException;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one line on standard error and exit status 1 (a command that
 * reports problems and goes on, as {@code ls -R} does at a directory cycle, prints them the
 * same way through {@link #print} and exits 1 at the end). Failures the
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
            print(cli, e.getMessage());
        } else {
            err.println(prefix(cli) + "internal error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** One line on standard error, after the command's name: how every failure, fatal or not, is shown. */
    static void print(CommandLine cli, String message) {
        cli.getErr().println(prefix(cli) + message);
    }

    private static String prefix(CommandLine cli) {
        return cli.getCommandSpec().qualifiedName() + ": ";
    }
}
