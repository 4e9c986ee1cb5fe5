package io.jrump.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

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

    /**
     * Gives every subcommand {@code -h}/{@code --help}: a usage-help option makes picocli print
     * the usage and skip the check of required arguments, so {@code rump ls --help} is the
     * usage of {@code ls} with exit status 0, not "Missing required parameter". A command whose
     * own {@code -h} means something else (getfattr's, as getfattr(1)'s) gets {@code --help} alone.
     */
    private static void addHelpOptions(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.optionsMap().get("--help") == null) {
                String[] names = spec.optionsMap().get("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
                spec.addOption(OptionSpec.builder(names).usageHelp(true).description("Show this help and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    /** jrump's error handling, and kernels' warnings shown as {@code rump: warning: ...} on the command's standard error. */
    static CommandLine configure(CommandLine cli) {
        addHelpOptions(cli);
        CliLogging.install(cli);
        return cli.setExecutionExceptionHandler(new ErrorReporter());
    }
}
