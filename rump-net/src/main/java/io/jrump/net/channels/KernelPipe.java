package io.jrump.net.channels;

import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Pipe;
import java.util.Objects;

/**
 * A {@link Pipe} on a kernel pipe: the source reads its read end, the sink writes its write end,
 * both selectable with the kernel's other channels. A read answers -1 once the sink is closed
 * and drained; a write to a pipe whose source is closed fails with "Broken pipe", as the JDK's.
 */
final class KernelPipe extends Pipe {
    /** A pipe's capacity (the kernel's, as Linux's: 16 pages): the most one scattering read or gathering write moves. */
    private static final int CAPACITY = 65_536;

    private final Source source;
    private final Sink sink;

    private KernelPipe(Source source, Sink sink) {
        this.source = source;
        this.sink = sink;
    }

    static KernelPipe open(KernelSelectorProvider provider) throws IOException {
        Syscalls sys = provider.sys();
        int[] p = KernelCalls.now(sys::pipe);
        return new KernelPipe(new Source(provider, p[0]), new Sink(provider, p[1]));
    }

    @Override
    public SourceChannel source() {
        return source;
    }

    @Override
    public SinkChannel sink() {
        return sink;
    }

    static final class Source extends SourceChannel implements KernelChannel {
        private final KernelSelectorProvider provider;
        private final Descriptor descriptor;
        private final Object readLock = new Object();

        Source(KernelSelectorProvider provider, int fd) {
            super(provider);
            this.provider = provider;
            this.descriptor = new Descriptor(provider.sys(), fd);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            Objects.requireNonNull(dst, "dst");
            synchronized (readLock) {
                ensureOpen();
                return readOnce(dst);
            }
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            synchronized (readLock) {
                ensureOpen();
                return Vectored.scatter(dsts, offset, length, CAPACITY, this::readOnce);
            }
        }

        @Override
        public long read(ByteBuffer[] dsts) throws IOException {
            return read(dsts, 0, dsts.length);
        }

        /** One read: -1 at the end, 0 when nothing is there without waiting. */
        private int readOnce(ByteBuffer dst) throws IOException {
            if (!dst.hasRemaining()) {
                return 0;
            }
            int n = KernelCalls.blocking(this, KernelCalls.AGAIN, true, () -> descriptor.sys.read(descriptor.fd, dst));
            return n == 0 ? -1 : n == KernelCalls.AGAIN ? 0 : n;
        }

        @Override
        public Descriptor descriptor() {
            return descriptor;
        }

        @Override
        protected void implConfigureBlocking(boolean block) throws IOException {
            descriptor.nonBlocking(!block);
        }

        @Override
        protected void implCloseSelectableChannel() {
            descriptor.channelClosed(this::isRegistered, provider);
        }

        @Override
        public void enterBlocking() {
            begin();
        }

        @Override
        public void leaveBlocking(boolean completed) throws AsynchronousCloseException {
            end(completed);
        }

        @Override
        public String toString() {
            return describe("KernelPipe.Source", "");
        }
    }

    static final class Sink extends SinkChannel implements KernelChannel {
        private final KernelSelectorProvider provider;
        private final Descriptor descriptor;
        private final Object writeLock = new Object();

        Sink(KernelSelectorProvider provider, int fd) {
            super(provider);
            this.provider = provider;
            this.descriptor = new Descriptor(provider.sys(), fd);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            Objects.requireNonNull(src, "src");
            synchronized (writeLock) {
                ensureOpen();
                return writeOnce(src);
            }
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            synchronized (writeLock) {
                ensureOpen();
                return Vectored.gather(srcs, offset, length, CAPACITY, false, this::writeOnce);
            }
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        private int writeOnce(ByteBuffer src) throws IOException {
            if (!src.hasRemaining()) {
                return 0;
            }
            return KernelCalls.blocking(this, 0, true, () -> descriptor.sys.write(descriptor.fd, src));
        }

        @Override
        public Descriptor descriptor() {
            return descriptor;
        }

        @Override
        protected void implConfigureBlocking(boolean block) throws IOException {
            descriptor.nonBlocking(!block);
        }

        @Override
        protected void implCloseSelectableChannel() {
            descriptor.channelClosed(this::isRegistered, provider);
        }

        @Override
        public void enterBlocking() {
            begin();
        }

        @Override
        public void leaveBlocking(boolean completed) throws AsynchronousCloseException {
            end(completed);
        }

        @Override
        public String toString() {
            return describe("KernelPipe.Sink", "");
        }
    }
}
