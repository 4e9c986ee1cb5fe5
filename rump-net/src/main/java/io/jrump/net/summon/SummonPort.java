package io.jrump.net.summon;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device one summoned kernel sees: the service's real device (a TAP, a bus port) seen
 * through the summoner, which owns it across kernels. Frames go out unchanged; frames come in
 * from the summoner ({@link #deliver}), live or replayed from its queue. Closing it, as the
 * kernel does when it shuts down, only detaches: the real device stays open for the next
 * kernel. Every frame either way counts as traffic for the idle timer.
 *
 * <p>The offloads are the real device's: frames pass through unchanged, and the queued ones
 * are private copies. For the same reason a port on a device that takes frames
 * ({@link FrameTaker}) takes them too ({@link Taking}); one on any other device (a TAP, whose
 * receive buffer is reused) must not promise that delivered frames stay valid.
 */
class SummonPort extends DevicePort {
    private final AtomicLong traffic;

    SummonPort(NetDevice inner, AtomicLong traffic) {
        super(inner);
        this.traffic = traffic;
    }

    static SummonPort on(NetDevice inner, AtomicLong traffic) {
        return inner instanceof FrameTaker ? new Taking(inner, traffic) : new SummonPort(inner, traffic);
    }

    /** Hands a received frame to the kernel's interface; false when it has none (closed, or not yet attached). */
    boolean deliver(ByteBuffer frame) {
        Receiver r = attached();
        if (r == null || isDetached()) {
            return false;
        }
        countTraffic();
        r.receive(frame);
        return true;
    }

    /** Racy on purpose: the idle timer only asks whether the count moved. */
    final void countTraffic() {
        traffic.lazySet(traffic.get() + 1);
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        countTraffic();
        super.transmit(frame);
    }

    @Override
    public void close() {
        detach();
    }

    /** A port on a device that takes transmitted frames, as bus ports do. */
    static final class Taking extends SummonPort implements FrameTaker {
        Taking(NetDevice inner, AtomicLong traffic) {
            super(inner, traffic);
        }

        @Override
        public void transmitTaken(ByteBuffer frame) throws ErrnoException {
            countTraffic();
            ((FrameTaker) inner).transmitTaken(frame);
        }
    }
}
