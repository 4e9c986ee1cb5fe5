package io.jrump.xen.blk;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.PollGate;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.ring.BackRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.xenbus.BackendDevice;
import io.jrump.xen.xenbus.XenbusState;
import io.jrump.xen.xenstore.XenStoreClient;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A block backend serving any {@link BlockDevice} to a blkfront, for the emulated platform
 * (the part a driver domain's blkback or QEMU's qdisk plays on Xen). It follows the xenbus
 * protocol from the backend side: publish the features and go InitWait; when the frontend is
 * Initialised, map its ring, bind its event channel, publish {@code sectors},
 * {@code sector-size} and {@code info} and go Connected; when the frontend goes Closing, unmap
 * and go Closed.
 *
 * <p>What it offers ({@link Offer}): a ring of up to {@code 2^max-ring-page-order} pages (the
 * frontend names them {@code ring-ref0..N-1} with its {@code ring-page-order}) and indirect
 * requests of up to {@code feature-max-indirect-segments} segments, whose segment lists lie
 * in up to 8 granted pages. A frontend asking for a larger ring than offered is refused at
 * connect (the backend goes Closing). With {@link Offer#PERSISTENT} (the default), and a frontend
 * that offers {@code feature-persistent} too, data pages are mapped once and kept
 * ({@link PersistentGrants}) until evicted or the frontend disconnects; otherwise each request
 * maps its pages and unmaps them.
 *
 * <p>Every request is checked before it touches the disk: a known operation, 1 to 11 segments
 * (1 to the offered maximum for an indirect one) each inside its page
 * ({@code first_sect <= last_sect <= 7}), sectors inside the disk, grants the frontend really
 * gave. A bad request is answered with {@code BLKIF_RSP_ERROR}; a ring whose indexes are
 * impossible stops the backend (Closing), never the process.
 */
public final class BlkBackend extends BackendDevice {
    /**
     * What the backend publishes for the frontend to negotiate.
     *
     * @param maxRingPageOrder {@code max-ring-page-order}, 0 to {@value Blkif#MAX_RING_PAGE_ORDER} (0: one page, the node is not written)
     * @param maxIndirectSegments {@code feature-max-indirect-segments}, 0 (not written: no indirect requests) or 12 to {@value Blkif#MAX_INDIRECT_SEGMENTS}
     * @param maxPersistentGrants 0 ({@code feature-persistent} not offered: every page is mapped for its request only) or
     *        the most data grants kept mapped when the frontend offers it too ({@link PersistentGrants})
     */
    public record Offer(int maxRingPageOrder, int maxIndirectSegments, int maxPersistentGrants) {
        /**
         * Multi-page rings and indirect requests of 1 MiB, without {@code feature-persistent}:
         * every request maps its pages for itself and unmaps them when answered.
         */
        public static final Offer ALL = new Offer(Blkif.MAX_RING_PAGE_ORDER, Blkif.MAX_INDIRECT_SEGMENTS);
        /** One ring page and 11 segments per request: a backend from before both features. */
        public static final Offer BASIC = new Offer(0, 0);

        /**
         * As {@link #ALL}, and {@code feature-persistent} with up to Linux's default of kept
         * mappings: what {@link BlkBackend#create(XenStoreClient, Hypervisor, int, int, BlockDevice)}
         * offers. Meant for frontends that reuse their grants, as the protocol asks of one that
         * offers it. A frontend that ends access to a page the backend keeps gets EBUSY, and the
         * page stays granted until the backend evicts it or the device disconnects
         * ({@link BlkFront} keeps such pages and ends them then).
         */
        public static final Offer PERSISTENT = new Offer(Blkif.MAX_RING_PAGE_ORDER, Blkif.MAX_INDIRECT_SEGMENTS, PersistentGrants.LINUX_DEFAULT_CAP);

        /** As the three-value form, without {@code feature-persistent}. */
        public Offer(int maxRingPageOrder, int maxIndirectSegments) {
            this(maxRingPageOrder, maxIndirectSegments, 0);
        }

        public Offer {
            if (maxPersistentGrants < 0) {
                throw new IllegalArgumentException("max persistent grants " + maxPersistentGrants);
            }
            if (maxRingPageOrder < 0 || maxRingPageOrder > Blkif.MAX_RING_PAGE_ORDER) {
                throw new IllegalArgumentException("max-ring-page-order " + maxRingPageOrder + " outside 0.." + Blkif.MAX_RING_PAGE_ORDER);
            }
            if (maxIndirectSegments != 0 && (maxIndirectSegments <= Blkif.MAX_SEGMENTS_PER_REQUEST || maxIndirectSegments > Blkif.MAX_INDIRECT_SEGMENTS)) {
                throw new IllegalArgumentException("feature-max-indirect-segments " + maxIndirectSegments + " outside 12.." + Blkif.MAX_INDIRECT_SEGMENTS);
            }
        }
    }

    /**
     * The longest recent gap between an answer and the frontend's next request that blkback
     * polls for: a caller's turnaround (its wake-up, the completion, building the next request),
     * which for a synchronous reader is short next to the two wake-ups a notify in each
     * direction costs.
     */
    static final long POLL_WORTH_NANOS = 300_000;

    private final BlockDevice disk;
    private final Offer offer;
    /** Direct, so a file-backed disk reads and writes it without another copy inside the JDK. */
    private final ByteBuffer bounce;
    private GrantMapper.Mapping ringMapping;
    private BackRing<BlkRequest, BlkResponse> ring;
    /** Kept mappings of the frontend's data grants, when both ends offer {@code feature-persistent}; null otherwise. */
    private PersistentGrants persistent;
    /** The kept mappings of the request being served, reused from request to request. */
    private final List<GrantMapper.Mapping> requestMaps = new ArrayList<>();
    /** The last whole-page run served through kept mappings, its references, and the table's evictions when it was joined; null when none. */
    private ByteBuffer lastRun;
    private int[] lastRunRefs = new int[0];
    private int lastRunLength;
    private long lastRunEvictions;
    private long requestsServed;
    /** Whether to poll for the next request after answering: the gaps between an answer and the frontend's next request. */
    private final PollGate gate = new PollGate(POLL_WORTH_NANOS);
    private final BooleanSupplier requestWaiting = () -> ring.requestsWaiting();
    /** When the ring was last found empty and this side went to sleep on the channel; 0 while serving. */
    private long idleSince;
    /** Data pages mapped so far, by persistent or per-request mappings; guarded by this. */
    private long dataMaps;

    private BlkBackend(XenStoreClient xs, Hypervisor hv, BlockDevice disk, Offer offer, String backend, String frontend, int frontendId) {
        super(xs, hv, backend, frontend, frontendId);
        this.disk = disk;
        this.offer = offer;
        this.bounce = ByteBuffer.allocateDirect(Math.max(Blkif.MAX_SEGMENTS_PER_REQUEST, offer.maxIndirectSegments()) * Blkif.PAGE_SIZE);
    }

    /**
     * Creates the device's nodes as a toolstack does (frontend and backend directories,
     * pointing at each other) and starts serving {@code disk} from domain {@code hv.domid()} to
     * domain {@code frontendId} as virtual device {@code devid}, offering
     * {@link Offer#PERSISTENT}: every feature this backend has, persistent grants included.
     *
     * @return the backend; the frontend's directory is {@link #frontendPath()}
     */
    public static BlkBackend create(XenStoreClient xs, Hypervisor hv, int frontendId, int devid, BlockDevice disk) throws ErrnoException {
        return create(xs, hv, frontendId, devid, disk, Offer.PERSISTENT);
    }

    /** As {@link #create(XenStoreClient, Hypervisor, int, int, BlockDevice)}, offering {@code offer}. */
    public static BlkBackend create(XenStoreClient xs, Hypervisor hv, int frontendId, int devid, BlockDevice disk, Offer offer) throws ErrnoException {
        String backend = "/local/domain/" + hv.domid() + "/backend/vbd/" + frontendId + "/" + devid;
        String frontend = "/local/domain/" + frontendId + "/device/vbd/" + devid;
        boolean ro = disk.isReadOnly();
        xs.transaction(tx -> {
            tx.write(frontend + "/backend", backend);
            tx.write(frontend + "/backend-id", Integer.toString(hv.domid()));
            tx.write(frontend + "/virtual-device", Integer.toString(devid));
            tx.write(frontend + "/device-type", "disk");
            tx.write(frontend + "/state", XenbusState.INITIALISING.text());
            tx.write(backend + "/frontend", frontend);
            tx.write(backend + "/frontend-id", Integer.toString(frontendId));
            tx.write(backend + "/mode", ro ? "r" : "w");
            tx.write(backend + "/device-type", "disk");
            tx.write(backend + "/feature-flush-cache", "1");
            tx.write(backend + "/feature-discard", "1");
            tx.write(backend + "/discard-granularity", Integer.toString(disk.sectorSize()));
            if (offer.maxPersistentGrants() > 0) {
                tx.write(backend + "/feature-persistent", "1");
            }
            if (offer.maxRingPageOrder() > 0) {
                tx.write(backend + "/max-ring-page-order", Integer.toString(offer.maxRingPageOrder()));
            }
            if (offer.maxIndirectSegments() > 0) {
                tx.write(backend + "/feature-max-indirect-segments", Integer.toString(offer.maxIndirectSegments()));
            }
            // the size early too, so a toolstack listing devices sees it before the frontend connects
            tx.write(backend + "/sectors", Long.toString(disk.size() / disk.sectorSize()));
            tx.write(backend + "/sector-size", Integer.toString(disk.sectorSize()));
            tx.write(backend + "/state", XenbusState.INIT_WAIT.text());
            return null;
        });
        BlkBackend b = new BlkBackend(xs, hv, disk, offer, backend, frontend, frontendId);
        b.start();
        return b;
    }

    public synchronized long requestsServed() {
        return requestsServed;
    }

    /**
     * Data pages mapped so far: with persistent grants each of the frontend's pages once (again
     * only after eviction), otherwise every page of every request.
     */
    public synchronized long dataPagesMapped() {
        return dataMaps + (persistent == null ? 0 : persistent.mapCalls());
    }

    /** Whether both ends offered {@code feature-persistent}, so data grants stay mapped until disconnect. */
    public synchronized boolean persistentGrants() {
        return persistent != null;
    }

    @Override
    protected String kind() {
        return "blkback";
    }

    @Override
    protected void attach() throws ErrnoException {
        String protocol = optional(frontend + "/protocol", Blkif.PROTOCOL);
        if (!protocol.equals(Blkif.PROTOCOL)) {
            throw new ErrnoException(Errno.EPROTONOSUPPORT, "blkback " + backend + ": frontend protocol " + protocol);
        }
        String order = optional(frontend + "/ring-page-order", null);
        if (order == null) {
            ringMapping = hv.grantMapper().map(frontendId, number(frontend + "/ring-ref"), true);
        } else {
            int o = number(frontend + "/ring-page-order");
            if (o < 0 || o > offer.maxRingPageOrder()) {
                throw new ErrnoException(Errno.EINVAL, "blkback " + backend + ": frontend's ring-page-order " + o + " is outside 0.." + offer.maxRingPageOrder());
            }
            int[] refs = new int[1 << o];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = number(frontend + "/ring-ref" + i);
            }
            ringMapping = hv.grantMapper().mapContiguous(frontendId, refs, true);
            if (ringMapping == null) {
                throw new ErrnoException(Errno.EINVAL, "blkback " + backend + ": the " + refs.length + " ring pages cannot be mapped side by side");
            }
        }
        ring = new BackRing<>(new SharedRing(ringMapping.page(), Math.max(Blkif.REQ_SIZE, Blkif.RSP_SIZE)), BlkRequest.CODEC, BlkResponse.CODEC);
        if (offer.maxPersistentGrants() > 0 && "1".equals(optional(frontend + "/feature-persistent", "0").trim())) {
            persistent = new PersistentGrants(hv.grantMapper(), frontendId, offer.maxPersistentGrants());
        }
    }

    @Override
    protected Map<String, String> connectedKeys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("sectors", Long.toString(disk.size() / disk.sectorSize()));
        k.put("sector-size", Integer.toString(disk.sectorSize()));
        k.put("info", Integer.toString(disk.isReadOnly() ? Blkif.VDISK_READONLY : 0));
        return k;
    }

    @Override
    protected void detach() {
        if (persistent != null) {
            dataMaps += persistent.mapCalls();
            persistent.close();
            persistent = null;
        }
        lastRun = null;
        if (ringMapping != null) {
            ringMapping.close();
            ringMapping = null;
        }
        ring = null;
    }

    /** Serves every request on the ring, then responds; then polls for the next ones while the gate finds it worth it. */
    @Override
    protected Runnable serve() throws ErrnoException {
        if (idleSince != 0) {
            gate.answered(System.nanoTime() - idleSince); // woken by the frontend's notify
            idleSince = 0;
        }
        do {
            int n = ring.unconsumedRequests();
            for (int i = 0; i < n; i++) {
                BlkRequest r = ring.take();
                ring.put(new BlkResponse(r.id(), r.dataOperation(), serve(r))); // an indirect request is answered as the read or write it is
                requestsServed++;
            }
            if (n > 0 && ring.pushResponses()) {
                channel().notifyPeer();
            }
        } while (ring.finalCheckForRequests() || pollForRequests());
        return null;
    }

    /**
     * With every request answered: polls the ring for the frontend's next one, with its
     * notifications suppressed, when the recent gaps between an answer and the next request
     * were short ({@link PollGate}). A synchronous reader sends its next request right after
     * its answer, and a request seen while polling costs neither side a wake-up.
     *
     * @return whether a request came (the caller serves it)
     */
    private boolean pollForRequests() throws ErrnoException {
        long start = System.nanoTime();
        long limit = gate.pollNanos();
        if (limit > 0) {
            ring.suppressRequestEvents();
            if (gate.spin(start, limit, requestWaiting)) {
                gate.answered(System.nanoTime() - start);
                return true;
            }
            if (ring.finalCheckForRequests()) { // asks to be notified again, and looks once more
                return true;
            }
        }
        idleSince = start;
        return false;
    }

    private short serve(BlkRequest r) {
        try {
            switch (r.operation()) {
                case Blkif.OP_READ:
                case Blkif.OP_WRITE:
                    return readWrite(r);
                case Blkif.OP_INDIRECT:
                    return offer.maxIndirectSegments() == 0 ? Blkif.RSP_EOPNOTSUPP : indirect(r);
                case Blkif.OP_FLUSH_DISKCACHE:
                case Blkif.OP_WRITE_BARRIER:
                    disk.flush();
                    return Blkif.RSP_OKAY;
                case Blkif.OP_DISCARD: {
                    int k = disk.sectorSize() / Blkif.SECTOR;
                    if (r.sector() % k != 0 || r.nrSectors() % k != 0) {
                        return Blkif.RSP_ERROR;
                    }
                    disk.discard(r.sector() / k, r.nrSectors() / k);
                    return Blkif.RSP_OKAY;
                }
                default:
                    return Blkif.RSP_EOPNOTSUPP;
            }
        } catch (ErrnoException e) {
            return Blkif.RSP_ERROR;
        }
    }

    private short readWrite(BlkRequest r) throws ErrnoException {
        int nr = r.nrSegments();
        if (nr < 1 || nr > Blkif.MAX_SEGMENTS_PER_REQUEST) {
            return Blkif.RSP_ERROR;
        }
        return readWrite(r.operation(), r.sector(), nr, r.grefs(), r.first(), r.last());
    }

    /** Reads the segment list from the indirect pages (mapped read-only), then serves it as any read or write. */
    private short indirect(BlkRequest r) throws ErrnoException {
        int nr = r.nrSegments();
        int op = r.indirectOp();
        if (nr < 1 || nr > offer.maxIndirectSegments() || (op != Blkif.OP_READ && op != Blkif.OP_WRITE)) {
            return Blkif.RSP_ERROR;
        }
        int[] grefs = new int[nr];
        byte[] first = new byte[nr];
        byte[] last = new byte[nr];
        IndirectSegments.read(hv.grantMapper(), frontendId, r.indirectGrefs(), nr, grefs, first, last);
        return readWrite(op, r.sector(), nr, grefs, first, last);
    }

    private short readWrite(int op, long sector, int nr, int[] grefs, byte[] firsts, byte[] lasts) throws ErrnoException {
        boolean read = op == Blkif.OP_READ;
        if (!read && disk.isReadOnly()) {
            return Blkif.RSP_ERROR;
        }
        int total = 0;
        for (int i = 0; i < nr; i++) {
            int f = Byte.toUnsignedInt(firsts[i]);
            int l = Byte.toUnsignedInt(lasts[i]);
            if (f > l || l >= Blkif.SECTORS_PER_PAGE) {
                return Blkif.RSP_ERROR;
            }
            total += (l - f + 1) * Blkif.SECTOR;
        }
        int k = disk.sectorSize() / Blkif.SECTOR;
        long diskSectors512 = disk.size() / Blkif.SECTOR;
        if (sector < 0 || sector > diskSectors512 || total / Blkif.SECTOR > diskSectors512 - sector || sector % k != 0
                || total % disk.sectorSize() != 0) {
            return Blkif.RSP_ERROR;
        }
        if (persistent != null) {
            try {
                if (total == nr * Blkif.PAGE_SIZE && sameRunAsLast(nr, grefs)) {
                    return whole(read, sector / k, lastRun, total);
                }
                List<GrantMapper.Mapping> kept = keptMappings(read, nr, grefs);
                if (kept != null) {
                    return persistentReadWrite(read, sector / k, kept, grefs, firsts, lasts, total);
                }
                // a write may name read-only grants, which cannot be kept writable: map them for this request only
            } finally {
                requestMaps.clear();
                persistent.trim(); // between requests only, so no page is unmapped while in use
            }
        }
        if (total == nr * Blkif.PAGE_SIZE) {
            // whole pages: one I/O straight into (or out of) the frontend's pages when they map side by side
            try (GrantMapper.Mapping run = hv.grantMapper().mapContiguous(frontendId, Arrays.copyOf(grefs, nr), read)) {
                if (run != null) {
                    dataMaps += nr;
                    ByteBuffer pages = run.page().duplicate().clear().limit(total);
                    if (read) {
                        disk.read(sector / k, pages);
                    } else {
                        disk.write(sector / k, pages);
                    }
                    return Blkif.RSP_OKAY;
                }
            }
        }
        List<GrantMapper.Mapping> maps = new ArrayList<>(nr);
        try {
            for (int i = 0; i < nr; i++) {
                maps.add(hv.grantMapper().map(frontendId, grefs[i], read)); // a read writes into the frontend's page
                dataMaps++;
            }
            copyThrough(read, sector / k, maps, firsts, lasts, total);
            return Blkif.RSP_OKAY;
        } finally {
            for (GrantMapper.Mapping m : maps) {
                m.close();
            }
        }
    }

    /**
     * The kept mappings of a request's pages, mapping those not kept yet; null for a write
     * naming a grant that cannot be mapped writable (it is then mapped for the request only).
     * A disk error is not a mapping failure: it is never retried through another path.
     */
    private List<GrantMapper.Mapping> keptMappings(boolean read, int nr, int[] grefs) throws ErrnoException {
        List<GrantMapper.Mapping> maps = requestMaps;
        maps.clear();
        try {
            for (int i = 0; i < nr; i++) {
                maps.add(persistent.get(grefs[i]));
            }
        } catch (ErrnoException e) {
            if (read) {
                throw e;
            }
            return null;
        }
        return maps;
    }

    /** Serves a read or write through kept mappings: one I/O into the pages when they lie side by side and are whole, else through the bounce buffer. */
    private short persistentReadWrite(boolean read, long block, List<GrantMapper.Mapping> maps, int[] grefs, byte[] firsts, byte[] lasts, int total)
            throws ErrnoException {
        ByteBuffer pages = total == maps.size() * Blkif.PAGE_SIZE ? hv.grantMapper().joined(maps) : null;
        if (pages == null) {
            copyThrough(read, block, maps, firsts, lasts, total);
            return Blkif.RSP_OKAY;
        }
        lastRun = pages;
        lastRunRefs = lastRunRefs.length >= maps.size() ? lastRunRefs : new int[maps.size()];
        lastRunLength = maps.size();
        lastRunEvictions = persistent.evictions();
        System.arraycopy(grefs, 0, lastRunRefs, 0, maps.size());
        return whole(read, block, pages, total);
    }

    /**
     * Whether a request names exactly the pages of the last whole-page run, none of whose kept
     * mappings has been unmapped since: a caller reading into the same buffer request after
     * request, whose run is then neither looked up page by page nor joined again. (Its pages'
     * recency in the table is not renewed meanwhile; beyond the cap they may be evicted first,
     * which only makes the next request look them up again.)
     */
    private boolean sameRunAsLast(int nr, int[] grefs) {
        return lastRun != null && nr == lastRunLength && persistent.evictions() == lastRunEvictions
                && Arrays.equals(grefs, 0, nr, lastRunRefs, 0, nr);
    }

    /** One I/O between the disk and a request's whole pages, side by side in {@code pages}. */
    private short whole(boolean read, long block, ByteBuffer pages, int total) throws ErrnoException {
        ByteBuffer view = pages.duplicate().clear().limit(total);
        if (read) {
            disk.read(block, view);
        } else {
            disk.write(block, view);
        }
        return Blkif.RSP_OKAY;
    }

    /** Moves a request's data between the disk and its pages' sectors through the bounce buffer. */
    private void copyThrough(boolean read, long block, List<GrantMapper.Mapping> maps, byte[] firsts, byte[] lasts, int total) throws ErrnoException {
        if (read) {
            disk.read(block, bounce.clear().limit(total));
        }
        bounce.clear();
        int off = 0;
        for (int i = 0; i < maps.size(); i++) {
            int f = Byte.toUnsignedInt(firsts[i]) * Blkif.SECTOR;
            int n = (Byte.toUnsignedInt(lasts[i]) + 1) * Blkif.SECTOR - f;
            ByteBuffer page = maps.get(i).page();
            if (read) {
                page.put(f, bounce, off, n);
            } else {
                bounce.put(off, page, f, n);
            }
            off += n;
        }
        if (!read) {
            disk.write(block, bounce.clear().limit(total));
        }
    }
}
