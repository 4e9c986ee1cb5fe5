package io.jrump.xen.net;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.ring.BackRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.xenbus.StateWatch;
import io.jrump.xen.xenbus.XenbusState;
import io.jrump.xen.xenstore.XenStoreClient;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A network backend for the emulated platform (the part a driver domain's netback plays on
 * Xen), in copy mode: frames the frontend transmits go to a sink; frames {@link #deliver}ed are
 * copied into the rx buffers the frontend posted. Two backends whose sinks deliver to each
 * other make a cable between two frontends.
 *
 * <p>xenbus from the backend side: publish {@code feature-rx-copy} and the MAC and go
 * InitWait; when the frontend is Connected (or Initialised), require {@code request-rx-copy},
 * map both rings, bind the event channel and go Connected; when the frontend goes Closing,
 * unmap and go Closed.
 *
 * <p>Every tx request is checked before its page is read: one slot (no more-data or extra-info
 * flags), {@code offset + size} inside the page, at most a full frame, a grant the frontend
 * really gave; a bad one is answered {@code NETIF_RSP_ERROR}. Frames arriving while no rx
 * buffer is posted are dropped and counted. Impossible ring indexes stop the backend (Closing).
 */
public final class NetBackend implements AutoCloseable {
    private final XenStoreClient xs;
    private final Hypervisor hv;
    private final String backend;
    private final String frontend;
    private final int frontendId;
    private final StateWatch frontendState;
    private volatile Consumer<ByteBuffer> sink;
    private GrantMapper.Mapping txMapping;
    private GrantMapper.Mapping rxMapping;
    private EventChannel channel;
    private BackRing<NetTxRequest, NetTxResponse> tx;
    private BackRing<NetRxRequest, NetRxResponse> rx;
    private boolean connected;
    private volatile String failure;
    private long txFrames;
    private long txErrors;
    private long rxFrames;
    private long rxDropped;

    private NetBackend(XenStoreClient xs, Hypervisor hv, String backend, String frontend, int frontendId, StateWatch frontendState,
            Consumer<ByteBuffer> sink) {
        this.xs = xs;
        this.hv = hv;
        this.backend = backend;
        this.frontend = frontend;
        this.frontendId = frontendId;
        this.frontendState = frontendState;
        this.sink = sink;
    }

    /**
     * Creates the device's nodes as a toolstack does and starts serving vif {@code devid} of
     * domain {@code frontendId} from domain {@code hv.domid()}.
     *
     * @param mac the frontend's MAC, {@code aa:bb:cc:dd:ee:ff}
     * @param sink where transmitted frames go (valid only during the call); called on the backend's event thread
     */
    public static NetBackend create(XenStoreClient xs, Hypervisor hv, int frontendId, int devid, String mac, Consumer<ByteBuffer> sink)
            throws ErrnoException {
        NetFront.parseMac(mac, "netback");
        String backend = "/local/domain/" + hv.domid() + "/backend/vif/" + frontendId + "/" + devid;
        String frontend = "/local/domain/" + frontendId + "/device/vif/" + devid;
        xs.transaction(t -> {
            t.write(frontend + "/backend", backend);
            t.write(frontend + "/backend-id", Integer.toString(hv.domid()));
            t.write(frontend + "/handle", Integer.toString(devid));
            t.write(frontend + "/mac", mac);
            t.write(frontend + "/state", XenbusState.INITIALISING.text());
            t.write(backend + "/frontend", frontend);
            t.write(backend + "/frontend-id", Integer.toString(frontendId));
            t.write(backend + "/handle", Integer.toString(devid));
            t.write(backend + "/mac", mac);
            t.write(backend + "/feature-rx-copy", "1");
            t.write(backend + "/feature-rx-flip", "0");
            t.write(backend + "/state", XenbusState.INIT_WAIT.text());
            return null;
        });
        NetBackend b = new NetBackend(xs, hv, backend, frontend, frontendId, StateWatch.start(xs, frontend + "/state"), sink);
        b.frontendState.listener(b::frontendChanged);
        b.frontendChanged(b.frontendState.state());
        return b;
    }

    public String frontendPath() {
        return frontend;
    }

    public String backendPath() {
        return backend;
    }

    /** Replaces where transmitted frames go. */
    public void sink(Consumer<ByteBuffer> sink) {
        this.sink = sink;
    }

    /** Why the backend stopped serving, or null. */
    public String failure() {
        return failure;
    }

    /** Frames taken from the frontend, tx requests refused, frames delivered to it, frames dropped for want of an rx buffer. */
    public synchronized long[] counters() {
        return new long[] {txFrames, txErrors, rxFrames, rxDropped};
    }

    private synchronized void frontendChanged(XenbusState s) {
        try {
            if ((s == XenbusState.INITIALISED || s == XenbusState.CONNECTED) && !connected && failure == null) {
                connect();
            } else if (s == XenbusState.CLOSING || s == XenbusState.CLOSED) {
                if (connected || s == XenbusState.CLOSING) {
                    disconnect();
                    xs.write(backend + "/state", XenbusState.CLOSED.text());
                }
            }
        } catch (ErrnoException e) {
            fail(e.getMessage());
        }
    }

    private void connect() throws ErrnoException {
        if (!"1".equals(optional(frontend + "/request-rx-copy", "0").strip())) {
            throw new ErrnoException(Errno.EPROTONOSUPPORT, "netback " + backend + ": frontend does not request rx-copy");
        }
        int txRef = number(frontend + "/tx-ring-ref");
        int rxRef = number(frontend + "/rx-ring-ref");
        int port = number(frontend + "/event-channel");
        txMapping = hv.grantMapper().map(frontendId, txRef, true);
        rxMapping = hv.grantMapper().map(frontendId, rxRef, true);
        tx = new BackRing<>(new SharedRing(txMapping.page(), Netif.TX_SLOT), NetTxRequest.CODEC, NetTxResponse.CODEC);
        rx = new BackRing<>(new SharedRing(rxMapping.page(), Netif.RX_SLOT), NetRxRequest.CODEC, NetRxResponse.CODEC);
        channel = hv.eventChannels().bindInterdomain(frontendId, port);
        channel.handler(this::requests);
        connected = true;
        xs.write(backend + "/state", XenbusState.CONNECTED.text());
        channel.unmask();
        channel.notifyPeer();
    }

    private void disconnect() {
        connected = false;
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (txMapping != null) {
            txMapping.close();
            txMapping = null;
        }
        if (rxMapping != null) {
            rxMapping.close();
            rxMapping = null;
        }
        tx = null;
        rx = null;
    }

    private void fail(String why) {
        failure = why;
        disconnect();
        try {
            xs.write(backend + "/state", XenbusState.CLOSING.text());
        } catch (ErrnoException e) {
            // xenstore gone: the frontend times out instead
        }
    }

    private String optional(String path, String dflt) throws ErrnoException {
        try {
            return xs.read(path);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return dflt;
            }
            throw e;
        }
    }

    private int number(String path) throws ErrnoException {
        String s = xs.read(path);
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL, "netback: " + path + " is not a number: '" + s + "'");
        }
    }

    /** The event channel handler: takes every transmitted frame, answers, then hands the frames to the sink outside the lock. */
    private void requests() {
        List<byte[]> frames = new ArrayList<>();
        synchronized (this) {
            if (!connected || tx == null) {
                return;
            }
            try {
                do {
                    int n = tx.unconsumedRequests();
                    for (int i = 0; i < n; i++) {
                        NetTxRequest r = tx.take();
                        tx.put(new NetTxResponse(r.id(), take(r, frames)));
                    }
                    if (n > 0 && tx.pushResponses()) {
                        channel.notifyPeer();
                    }
                } while (tx.finalCheckForRequests());
            } catch (ErrnoException e) {
                fail(e.getMessage());
            } catch (RuntimeException e) {
                fail("netback " + backend + ": " + e); // a bug here must not leave the frontend waiting
            }
        }
        Consumer<ByteBuffer> s = sink;
        if (s != null) {
            for (byte[] f : frames) {
                s.accept(ByteBuffer.wrap(f));
            }
        }
    }

    private short take(NetTxRequest r, List<byte[]> frames) {
        if ((r.flags() & (Netif.NETTXF_MORE_DATA | Netif.NETTXF_EXTRA_INFO)) != 0 || r.size() < Netif.ETH_HEADER || r.size() > Netif.MAX_FRAME
                || r.offset() + r.size() > Netif.PAGE_SIZE) {
            txErrors++;
            return Netif.RSP_ERROR;
        }
        try (GrantMapper.Mapping m = hv.grantMapper().map(frontendId, r.gref(), false)) {
            byte[] f = new byte[r.size()];
            m.page().get(r.offset(), f);
            frames.add(f);
            txFrames++;
            return Netif.RSP_OKAY;
        } catch (ErrnoException e) {
            txErrors++;
            return Netif.RSP_ERROR;
        }
    }

    /**
     * Copies {@code frame} into the next rx buffer the frontend posted and notifies it; drops
     * and counts it when the device is not connected, no buffer is posted, or it is too large.
     *
     * @return whether the frame was delivered
     */
    public boolean deliver(ByteBuffer frame) {
        boolean notify;
        synchronized (this) {
            int len = frame.remaining();
            try {
                if (!connected || rx == null || len > Netif.MAX_FRAME || rx.unconsumedRequests() == 0) {
                    rxDropped++;
                    return false;
                }
                NetRxRequest q = rx.take();
                short status;
                try (GrantMapper.Mapping m = hv.grantMapper().map(frontendId, q.gref(), true)) {
                    m.page().put(0, frame, frame.position(), len);
                    status = (short) len;
                } catch (ErrnoException e) {
                    status = Netif.RSP_ERROR;
                }
                rx.put(new NetRxResponse(q.id(), 0, Netif.NETRXF_DATA_VALIDATED, status));
                notify = rx.pushResponses();
                if (status < 0) {
                    rxDropped++;
                    return false;
                }
                rxFrames++;
            } catch (ErrnoException e) {
                fail(e.getMessage());
                return false;
            }
        }
        if (notify) {
            EventChannel ch;
            synchronized (this) {
                ch = channel;
            }
            if (ch != null) {
                try {
                    ch.notifyPeer();
                } catch (ErrnoException e) {
                    // the frontend is gone; it finds the frame when it looks again, or never
                }
            }
        }
        return true;
    }

    /** Stops serving: goes Closed and releases the rings and channel. */
    @Override
    public void close() {
        frontendState.close();
        synchronized (this) {
            disconnect();
        }
        try {
            xs.write(backend + "/state", XenbusState.CLOSED.text());
        } catch (ErrnoException e) {
            // xenstore gone
        }
    }
}
