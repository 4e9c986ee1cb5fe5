package io.jrump.dev;

import io.jrump.api.ErrnoException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Another process that opens an image, for the lock tests: started in a JVM of its own with
 * the test class path, it opens the image ({@code rw} or {@code ro}), prints {@code held} (or
 * the error) and keeps it open until its standard input closes.
 */
public final class LockHolder implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    /** The first line the child printed: "held" or its error. */
    final String status;

    private LockHolder(Process process) throws IOException {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        this.status = line == null ? "exited without a word" : line;
    }

    /** Starts a JVM that opens {@code image} read-write ({@code readOnly} false) or read-only, and waits until it has. */
    static LockHolder start(Path image, boolean readOnly) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                image.toString(), readOnly ? "ro" : "rw").redirectErrorStream(true).start();
        return new LockHolder(p);
    }

    /** Lets the child close the image and exit. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    public static void main(String[] args) throws IOException {
        FileBlockDevice dev;
        try {
            dev = FileBlockDevice.open(Path.of(args[0]), args[1].equals("ro"));
        } catch (ErrnoException e) {
            System.out.println(e.getMessage());
            System.out.flush();
            System.in.readAllBytes();
            return;
        }
        System.out.println("held");
        System.out.flush();
        System.in.readAllBytes();
        dev.close();
    }
}
