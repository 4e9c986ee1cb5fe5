package io.jrump.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top command: only dispatches to its subcommands, and is a usage error on its own.
 * {@code rump help CMD} prints a command's usage, as {@code rump CMD --help} does (see
 * {@link Main#configure}).
 */
@Command(
        name = "rump",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Rump kernels for the JVM: kernel services (system calls, file systems) booted in-process.",
        subcommands = {HelpCommand.class, VersionCommand.class, DemoCommand.class, MkfsCommand.class, LsCommand.class, CatCommand.class, CpCommand.class, MkdirCommand.class, RmCommand.class, MvCommand.class, LnCommand.class, ChmodCommand.class, ChownCommand.class, StatCommand.class, DfCommand.class, InfoCommand.class, ServeCommand.class},
        footer = {"", "Exit status: 0 on success, 1 when a command fails, 2 for a usage error."})
final class RumpCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: try 'rump demo' or 'rump --help'");
    }
}
