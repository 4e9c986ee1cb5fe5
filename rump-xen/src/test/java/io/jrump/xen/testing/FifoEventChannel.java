package io.jrump.xen.testing;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The event channel to the shimmed xenstored: a byte into one FIFO notifies it, a byte from the other is its notification. */
public final class FifoEventChannel implements EventChannel {
    private final FileChannel out;
    private final FileChannel in;
    private final Thread thread;
    private volatile Runnable handler;
    private volatile boolean closed;

    public FifoEventChannel(Path toDaemon, Path fromDaemon) throws IOException {
        out = FileChannel.open(toDaemon, StandardOpenOption.READ, StandardOpenOption.WRITE);
        in = FileChannel.open(fromDaemon, StandardOpenOption.READ, StandardOpenOption.WRITE);
        thread = new Thread(this::deliver, "fifo-evtchn");
        thread.setDaemon(true);
        thread.start();
    }

    private void deliver() {
        ByteBuffer b = ByteBuffer.allocate(64);
        while (!closed) {
            try {
                b.clear();
                if (in.read(b) < 0) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            Runnable h = handler;
            if (h != null) {
                h.run();
            }
        }
    }

    @Override
    public int port() {
        return 1;
    }

    @Override
    public void notifyPeer() throws ErrnoException {
        try {
            out.write(ByteBuffer.wrap(new byte[] {1}));
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "notify: " + e);
        }
    }

    @Override
    public void handler(Runnable handler) {
        this.handler = handler;
    }

    @Override
    public void mask() {
    }

    @Override
    public void unmask() {
    }

    @Override
    public void close() {
        closed = true;
        try {
            out.close();
            in.close();
        } catch (IOException e) {
            // already closed
        }
        thread.interrupt();
    }
}
