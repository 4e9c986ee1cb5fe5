package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.RumpKernel;
import java.util.concurrent.atomic.AtomicReference;

/** Part three of the demo: a pipe between two threads of process 1, the reader blocking until the writer writes. */
final class PipeTour {
    private static final String[] LINES = {"ping 1\n", "ping 2\n", "ping 3\n"};

    private PipeTour() {
    }

    static void run(RumpKernel kernel, Transcript transcript) throws ErrnoException, InterruptedException {
        transcript.section("pipe: two threads, one blocking on the other");
        Traced main = new Traced(kernel.sys(), transcript, "pid 1 main");
        int[] fds = main.pipe();
        Traced writer = main.as("pid 1 writer");
        Traced reader = main.as("pid 1 reader");

        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                for (String line : LINES) {
                    writer.write(fds[1], line);
                    Thread.sleep(5);
                }
                writer.close(fds[1]);
            } catch (ErrnoException | InterruptedException | RuntimeException e) {
                failure.set(e);
            }
        }, "demo-pipe-writer");
        thread.start();

        StringBuilder received = new StringBuilder();
        for (String chunk = reader.read(fds[0], 64); !chunk.isEmpty(); chunk = reader.read(fds[0], 64)) {
            received.append(chunk);
        }
        thread.join();
        main.close(fds[0]);
        if (failure.get() instanceof ErrnoException e) {
            throw e;
        } else if (failure.get() != null) {
            throw new IllegalStateException("pipe writer failed", failure.get());
        }
        FileTour.check(received.toString().equals(String.join("", LINES)), "the reader got " + Transcript.quote(received.toString()));
    }
}
