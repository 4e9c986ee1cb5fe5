package io.jrump.xen.ring;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The frontend's side of a ring: it produces requests and consumes responses
 * ({@code struct *_front_ring} in {@code io/ring.h}). The backend is not trusted: a response
 * producer index that claims more responses than requests outstanding is reported as EIO
 * and nothing is read.
 */
public final class FrontRing<Q, P> {
    private final SharedRing ring;
    private final RingCodec<Q> requests;
    private final RingCodec<P> responses;
    private int reqProdPvt;
    private int rspCons;

    public FrontRing(SharedRing ring, RingCodec<Q> requests, RingCodec<P> responses) {
        this.ring = ring;
        this.requests = requests;
        this.responses = responses;
    }

    public int size() {
        return ring.size();
    }

    /** {@code RING_FULL}: every slot holds a request whose response was not consumed. */
    public boolean isFull() {
        return reqProdPvt - rspCons == ring.size();
    }

    /** Slots free for new requests. */
    public int free() {
        return ring.size() - (reqProdPvt - rspCons);
    }

    /** Writes a request into the next private slot; it is not visible until {@link #pushRequests}. */
    public void put(Q request) {
        if (isFull()) {
            throw new IllegalStateException("ring full");
        }
        requests.encode(request, ring.page(), ring.slot(reqProdPvt));
        reqProdPvt++;
    }

    /**
     * Writes an entry of another layout into the next private slot: a protocol whose slots may
     * hold something else than a request (netif's extra-info slots overlay a tx request).
     */
    public <T> void put(RingCodec<T> codec, T entry) {
        if (isFull()) {
            throw new IllegalStateException("ring full");
        }
        codec.encode(entry, ring.page(), ring.slot(reqProdPvt));
        reqProdPvt++;
    }

    /**
     * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}: publishes the private requests and says whether
     * the backend asked to be notified: it did when its {@code req_event} lies in
     * {@code (old, new]}, in wrapping 32-bit arithmetic.
     */
    public boolean pushRequests() {
        int old = ring.get(SharedRing.REQ_PROD);
        int now = reqProdPvt;
        ring.set(SharedRing.REQ_PROD, now);
        SharedRing.fullFence();
        int event = ring.get(SharedRing.REQ_EVENT);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /** Responses ready to consume; EIO when the backend's index is impossible. */
    public int unconsumedResponses() throws ErrnoException {
        int prod = ring.get(SharedRing.RSP_PROD);
        int n = prod - rspCons;
        if (Integer.compareUnsigned(n, reqProdPvt - rspCons) > 0) {
            throw new ErrnoException(Errno.EIO, "ring: backend's rsp_prod " + Integer.toUnsignedString(prod) + " is past the "
                    + (reqProdPvt - rspCons) + " requests outstanding from " + Integer.toUnsignedString(rspCons));
        }
        return n;
    }

    /** Whether the backend produced a response not consumed yet: a look for a poller, with no check of the index. */
    public boolean responsesWaiting() {
        return ring.get(SharedRing.RSP_PROD) != rspCons;
    }

    /**
     * Asks the backend not to notify for responses while this side polls for them:
     * {@code rsp_event} is set to an index already consumed, which no push crosses, so
     * {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY} says no. {@link #finalCheckForResponses}
     * asks again. ({@code rsp_event} is the frontend's to write; the protocol only says a
     * backend notifies when its push crosses it.)
     */
    public void suppressResponseEvents() {
        ring.set(SharedRing.RSP_EVENT, rspCons);
    }

    /** Reads the next response; call only while {@link #unconsumedResponses} is positive. */
    public P take() throws ErrnoException {
        P r = responses.decode(ring.page(), ring.slot(rspCons));
        rspCons++;
        return r;
    }

    /** Reads the next response slot with another layout (an extra-info slot among rx responses). */
    public <T> T take(RingCodec<T> codec) throws ErrnoException {
        T r = codec.decode(ring.page(), ring.slot(rspCons));
        rspCons++;
        return r;
    }

    /** The index of the next response to consume ({@code rsp_cons}): with one request per slot, the slot of its request too. */
    public int responseIndex() {
        return rspCons;
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: when none are left, asks to be notified of the
     * next one ({@code rsp_event = rsp_cons + 1}) and looks again, closing the race with a
     * backend that produced one just before.
     */
    public boolean finalCheckForResponses() throws ErrnoException {
        if (unconsumedResponses() > 0) {
            return true;
        }
        ring.set(SharedRing.RSP_EVENT, rspCons + 1);
        SharedRing.fullFence();
        return unconsumedResponses() > 0;
    }
}
