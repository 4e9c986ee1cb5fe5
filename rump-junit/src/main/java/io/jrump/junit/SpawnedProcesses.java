package io.jrump.junit;

import io.jrump.api.RumpProcess;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes {@link RumpUser} injections spawned in one extension context; they exit with
 * the context, the newest first, so a per-class kernel does not collect processes from every
 * test. Kept in the context's store so JUnit closes them even if a callback was skipped.
 */
final class SpawnedProcesses implements AutoCloseable {
    private final List<RumpProcess> processes = new ArrayList<>();

    synchronized void add(RumpProcess process) {
        processes.add(process);
    }

    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        for (int i = processes.size() - 1; i >= 0; i--) {
            try {
                processes.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        processes.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
