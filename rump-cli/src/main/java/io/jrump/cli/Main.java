package io.jrump.cli;

import picocli.CommandLine;

/**
 * Entry point of the {@code rump} command. Exit status: 0 on success, 1 when a command
 * failed (the message names the call, the path and the errno), 2 for a usage error.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with jrump's error handling; tests call {@code execute} on it directly. */
    static CommandLine commandLine() {
        return configure(new CommandLine(new RumpCommand()));
    }

    static CommandLine configure(CommandLine cli) {
        return cli.setExecutionExceptionHandler(new ErrorReporter());
    }
}
