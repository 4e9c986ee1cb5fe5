package io.jrump.xen.ring;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The backend's side of a ring: it consumes requests and produces responses
 * ({@code struct *_back_ring} in {@code io/ring.h}). A frontend whose {@code req_prod} claims
 * more than a ring of requests is reported as EIO ({@code RING_REQUEST_PROD_OVERFLOW}).
 */
public final class BackRing<Q, P> {
    private final SharedRing ring;
    private final RingCodec<Q> requests;
    private final RingCodec<P> responses;
    private int rspProdPvt;
    private int reqCons;

    public BackRing(SharedRing ring, RingCodec<Q> requests, RingCodec<P> responses) {
        this.ring = ring;
        this.requests = requests;
        this.responses = responses;
    }

    public int size() {
        return ring.size();
    }

    /** Requests ready to consume, within what a ring can hold beyond the responses given. */
    public int unconsumedRequests() throws ErrnoException {
        int prod = ring.get(SharedRing.REQ_PROD);
        int n = prod - reqCons;
        if (Integer.compareUnsigned(prod - rspProdPvt, ring.size()) > 0) {
            throw new ErrnoException(Errno.EIO, "ring: frontend's req_prod " + Integer.toUnsignedString(prod) + " overflows the ring (responses produced "
                    + Integer.toUnsignedString(rspProdPvt) + ", size " + ring.size() + ")");
        }
        // RING_REQUEST_CONS_OVERFLOW: never consume a slot whose response is still unproduced
        return Math.min(n, ring.size() - (reqCons - rspProdPvt));
    }

    public Q take() throws ErrnoException {
        Q q = requests.decode(ring.page(), ring.slot(reqCons));
        reqCons++;
        return q;
    }

    /** Reads the next request slot with another layout (an extra-info slot among tx requests). */
    public <T> T take(RingCodec<T> codec) throws ErrnoException {
        T q = codec.decode(ring.page(), ring.slot(reqCons));
        reqCons++;
        return q;
    }

    /** Writes a response slot of another layout (an extra-info slot among rx responses). */
    public <T> void put(RingCodec<T> codec, T entry) {
        codec.encode(entry, ring.page(), ring.slot(rspProdPvt));
        rspProdPvt++;
    }

    public void put(P response) {
        responses.encode(response, ring.page(), ring.slot(rspProdPvt));
        rspProdPvt++;
    }

    /** {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}. */
    public boolean pushResponses() {
        int old = ring.get(SharedRing.RSP_PROD);
        int now = rspProdPvt;
        ring.set(SharedRing.RSP_PROD, now);
        SharedRing.fullFence();
        int event = ring.get(SharedRing.RSP_EVENT);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /**
     * Asks the frontend not to notify for requests while this side polls for them: as
     * {@link FrontRing#suppressResponseEvents}, with {@code req_event}.
     * {@link #finalCheckForRequests} asks again.
     */
    public void suppressRequestEvents() {
        ring.set(SharedRing.REQ_EVENT, reqCons);
    }

    /** Whether the frontend produced a request not consumed yet: a look for a poller, with no check of the index. */
    public boolean requestsWaiting() {
        return ring.get(SharedRing.REQ_PROD) != reqCons;
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS} for {@code n} requests at once: whether they are
     * there; if not, asks the frontend to notify when its producer reaches them
     * ({@code req_event}), then looks again, so a request pushed meanwhile is never missed. A
     * backend that needs several requests for one packet (a netback receive of several pages)
     * then sleeps until they are all posted.
     */
    public boolean finalCheckForRequests(int n) throws ErrnoException {
        if (unconsumedRequests() >= n) {
            return true;
        }
        ring.set(SharedRing.REQ_EVENT, reqCons + n);
        SharedRing.fullFence();
        return unconsumedRequests() >= n;
    }

    /** {@code RING_FINAL_CHECK_FOR_REQUESTS}. */
    public boolean finalCheckForRequests() throws ErrnoException {
        return finalCheckForRequests(1);
    }
}
