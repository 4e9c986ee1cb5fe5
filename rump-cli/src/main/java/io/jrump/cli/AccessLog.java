package io.jrump.cli;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Where {@code rump serve} writes its access log: standard output, a file (appended to, each
 * line flushed so that {@code tail -f} sees it), or nowhere. The file is the command's to
 * close when it stops serving; lines that arrive after that (a connection ending late) are
 * dropped, not written to a closed file.
 */
final class AccessLog implements Closeable {
    private final Consumer<String> sink;
    private final BufferedWriter file;
    private boolean closed;

    private AccessLog(Consumer<String> sink, BufferedWriter file) {
        this.sink = sink;
        this.file = file;
    }

    /** {@code where}: a file name, {@code -} for {@code standardOutput}, {@code off} for none. */
    static AccessLog open(String where, Consumer<String> standardOutput) throws IOException {
        if (where.equals("off")) {
            return new AccessLog(null, null);
        }
        if (where.equals("-")) {
            return new AccessLog(standardOutput, null);
        }
        BufferedWriter w = Files.newBufferedWriter(Path.of(where), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new AccessLog(null, w);
    }

    /** What the server is given: null for no log. */
    Consumer<String> consumer() {
        if (file == null) {
            return sink;
        }
        return this::write;
    }

    private synchronized void write(String line) {
        if (closed) {
            return;
        }
        try {
            file.write(line);
            file.newLine();
            file.flush();
        } catch (IOException e) {
            // a full disk loses log lines, not service
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed && file != null) {
            closed = true;
            file.close();
        }
    }
}
