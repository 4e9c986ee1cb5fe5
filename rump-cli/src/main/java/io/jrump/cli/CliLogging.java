package io.jrump.cli;

import java.io.PrintWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import picocli.CommandLine;

/**
 * What kernels log reaches the terminal as the command's own messages: {@code rump: warning:
 * ext2: mounting a file system with errors; ...}, one line on standard error, instead of
 * java.util.logging's default two lines with a timestamp and a class name.
 *
 * <p>Kernels log through their platform's {@link System.Logger}, which the host platform
 * names {@code jrump.<kernel>}; on a JVM with the {@code java.logging} module those are
 * java.util.logging loggers under {@value #KERNEL_LOGGERS}. The command takes that subtree
 * over: warnings and errors are shown, with the cause's message, and nothing goes on to the
 * root logger's console handler. Below a warning nothing is shown, as a command line tool
 * says nothing when all is well.
 */
final class CliLogging {
    /** The parent of every kernel's logger (see HostPlatform.logger). */
    static final String KERNEL_LOGGERS = "jrump";

    /** Held here: java.util.logging keeps loggers only weakly, and a collected logger loses its configuration. */
    private static final Logger KERNELS = Logger.getLogger(KERNEL_LOGGERS);

    private CliLogging() {
    }

    /** Sends the kernels' warnings and errors to {@code cli}'s standard error (looked up at each message, as tests swap it). */
    static synchronized void install(CommandLine cli) {
        for (Handler h : KERNELS.getHandlers()) {
            if (h instanceof ToCommandLine) {
                KERNELS.removeHandler(h);
            }
        }
        KERNELS.setUseParentHandlers(false);
        KERNELS.setLevel(Level.WARNING);
        KERNELS.addHandler(new ToCommandLine(cli));
    }

    /** {@code rump: warning: message[: cause]}; an error (a bug in jrump) gets its stack trace too. */
    static final class ToCommandLine extends Handler {
        private final CommandLine cli;
        private final Formatter messages = new SimpleFormatter();

        ToCommandLine(CommandLine cli) {
            this.cli = cli;
            setLevel(Level.WARNING);
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            boolean error = record.getLevel().intValue() >= Level.SEVERE.intValue();
            StringBuilder line = new StringBuilder(cli.getCommandName()).append(error ? ": error: " : ": warning: ")
                    .append(messages.formatMessage(record));
            Throwable cause = record.getThrown();
            if (cause != null && cause.getMessage() != null && !line.toString().contains(cause.getMessage())) {
                line.append(": ").append(cause.getMessage());
            }
            PrintWriter err = cli.getErr();
            synchronized (this) {
                err.println(line);
                if (error && cause != null) {
                    cause.printStackTrace(err);
                }
                err.flush();
            }
        }

        @Override
        public void flush() {
            cli.getErr().flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
