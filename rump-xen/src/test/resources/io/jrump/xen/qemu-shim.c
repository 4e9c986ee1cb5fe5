/*
 * LD_PRELOAD library that lets QEMU's Xen block backend (xen-disk on the xenpv machine) serve
 * a frontend of jrump's emulated Xen machine, without a hypervisor.
 *
 *  - libxenctrl, libxendevicemodel, libxenforeignmemory, libxentoolcore: QEMU only opens them
 *    for a PV backend; the opens succeed and nothing else is needed;
 *  - libxengnttab: grants are read from the frontend domain's memory, a memfd of the JVM
 *    ($JRUMP_XEN_MEM, frames 0..$JRUMP_XEN_TABLE_FRAMES-1 hold the v1 grant table). Each
 *    reference is checked as the hypervisor checks it (permit access, granted to domain 0,
 *    not read-only for a writable mapping, a frame of the domain's pages) in the same atomic
 *    step that sets GTF_reading and GTF_writing, held while mapped, and the frames are mapped
 *    shared from the memfd.
 *    grant_copy (GNTTABOP_copy, which QEMU prefers when it works) checks each reference the
 *    same way and copies between QEMU's buffer and the frame, in a view of the whole memfd
 *    mapped once, as the hypervisor copies without mapping anything into the backend;
 *  - libxenevtchn: each interdomain binding is a connection to the JVM's event channel broker
 *    ($JRUMP_XEN_EVTCHN); a byte each way is a notification. A handle's descriptor is an
 *    epoll set over its connections.
 *  - libxenstore is QEMU's own, talking to the xenstored named by XENSTORED_PATH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xentoolcore.h>

#define PAGE 4096
#define BACKEND_DOMID 0

static int dummy;

xc_interface *xc_interface_open(xentoollog_logger *a, xentoollog_logger *b, unsigned f) { (void)a; (void)b; (void)f; return (xc_interface *)&dummy; }
int xc_interface_close(xc_interface *x) { (void)x; return 0; }
xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *l, unsigned f) { (void)l; (void)f; return (xendevicemodel_handle *)&dummy; }
int xendevicemodel_shutdown(xendevicemodel_handle *d, domid_t domid, unsigned int reason) { (void)d; (void)domid; (void)reason; return 0; }
xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *l, unsigned f) { (void)l; (void)f; return (xenforeignmemory_handle *)&dummy; }
int xentoolcore_restrict_all(domid_t d) { (void)d; return 0; }

/* ---- grants ---- */

static pthread_mutex_t grant_lock = PTHREAD_MUTEX_INITIALIZER;
static int mem_fd = -1;
static long mem_pages;
static uint32_t *table; /* pairs of words: (flags | domid << 16), frame */
static uint32_t *readers, *writers; /* per reference: copies and mappings using it, and those writing */
static void release(uint32_t ref, int writing);
static long table_entries;
static int table_frames;

struct mapping { void *addr; uint32_t count; uint32_t *refs; int writable; struct mapping *next; };
static struct mapping *mappings;

static int open_memory(void) {
    if (mem_fd >= 0)
        return 0;
    const char *path = getenv("JRUMP_XEN_MEM");
    const char *frames = getenv("JRUMP_XEN_TABLE_FRAMES");
    if (!path || !frames) {
        errno = ENOENT;
        return -1;
    }
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    table_frames = atoi(frames);
    void *t = mmap(NULL, (size_t)table_frames * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (t == MAP_FAILED) {
        close(fd);
        return -1;
    }
    table_entries = (long)table_frames * PAGE / 8;
    readers = calloc(table_entries, sizeof *readers);
    writers = calloc(table_entries, sizeof *writers);
    if (!readers || !writers) {
        free(readers);
        free(writers);
        munmap(t, (size_t)table_frames * PAGE);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    table = t;
    mem_pages = st.st_size / PAGE;
    mem_fd = fd;
    return 0;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *l, unsigned f) { (void)l; (void)f; return (xengnttab_handle *)&dummy; }
int xengnttab_close(xengnttab_handle *x) { (void)x; return 0; }
int xengnttab_set_max_grants(xengnttab_handle *x, uint32_t n) { (void)x; (void)n; return 0; }
static char *memory; /* every frame of the frontend's memory, mapped once for grant copies */

/*
 * Takes reference ref for a copy or mapping, as the hypervisor does under its grant lock: the
 * entry must permit access to domain 0 (and not be read-only when writing), and GTF_reading
 * (and GTF_writing) are set in the same compare-and-swap that checks it, so the frontend cannot
 * end the grant between the check and the use. Like the hypervisor's pin counts, readers and
 * writers are counted per reference (under grant_lock), so a bit stays set until its last user
 * releases it. *frame gets the granted frame. Returns a GNTST_ status.
 */
static int16_t acquire(uint32_t ref, int writing, long *frame) {
    if (ref >= table_entries)
        return GNTST_bad_gntref;
    uint32_t bits = GTF_reading | (writing ? GTF_writing : 0);
    uint32_t w = __atomic_load_n(&table[2 * ref], __ATOMIC_ACQUIRE);
    do {
        if ((w & 3) != GTF_permit_access || (w >> 16) != BACKEND_DOMID)
            return GNTST_bad_gntref;
        if (writing && (w & GTF_readonly))
            return GNTST_permission_denied;
    } while (!__atomic_compare_exchange_n(&table[2 * ref], &w, w | bits, 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
    readers[ref]++;
    if (writing)
        writers[ref]++;
    uint32_t f = __atomic_load_n(&table[2 * ref + 1], __ATOMIC_ACQUIRE);
    if (f < (uint32_t)table_frames || f >= mem_pages) {
        release(ref, writing);
        return GNTST_bad_gntref;
    }
    *frame = f;
    return GNTST_okay;
}

static void release(uint32_t ref, int writing) {
    uint32_t bits = 0;
    if (writing && --writers[ref] == 0)
        bits |= GTF_writing;
    if (--readers[ref] == 0)
        bits |= GTF_reading;
    if (bits)
        __atomic_fetch_and(&table[2 * ref], ~bits, __ATOMIC_SEQ_CST);
}

int xengnttab_grant_copy(xengnttab_handle *x, uint32_t count, xengnttab_grant_copy_segment_t *segs) {
    (void)x;
    pthread_mutex_lock(&grant_lock);
    if (open_memory() != 0) {
        pthread_mutex_unlock(&grant_lock);
        return -1;
    }
    if (!memory) {
        void *m = mmap(NULL, (size_t)mem_pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd, 0);
        if (m == MAP_FAILED) {
            pthread_mutex_unlock(&grant_lock);
            return -1;
        }
        memory = m;
    }
    static int told;
    if (count > 0 && !told) {
        told = 1;
        fprintf(stderr, "qemu-shim: grant copy in use\n"); /* the tests look for it in QEMU's log */
    }
    for (uint32_t i = 0; i < count; i++) {
        xengnttab_grant_copy_segment_t *g = &segs[i];
        int to_grant = (g->flags & GNTCOPY_dest_gref) != 0;
        if (to_grant == ((g->flags & GNTCOPY_source_gref) != 0)) { g->status = GNTST_general_error; continue; } /* one side foreign, one local */
        uint32_t ref = to_grant ? g->dest.foreign.ref : g->source.foreign.ref;
        uint16_t off = to_grant ? g->dest.foreign.offset : g->source.foreign.offset;
        if ((uint32_t)off + g->len > PAGE) { g->status = GNTST_general_error; continue; }
        long frame;
        g->status = acquire(ref, to_grant, &frame); /* in use while copied, so the frontend cannot end the grant under it */
        if (g->status != GNTST_okay)
            continue;
        char *page = memory + (size_t)frame * PAGE + off;
        if (to_grant)
            memcpy(page, g->source.virt, g->len);
        else
            memcpy(g->dest.virt, page, g->len);
        release(ref, to_grant);
    }
    pthread_mutex_unlock(&grant_lock);
    return 0;
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, uint32_t *refs, int prot) {
    (void)xgt; (void)domid;
    pthread_mutex_lock(&grant_lock);
    void *area = NULL;
    uint32_t done = 0;
    int writable = (prot & PROT_WRITE) != 0;
    if (open_memory() != 0)
        goto fail;
    area = mmap(NULL, (size_t)count * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        area = NULL;
        goto fail;
    }
    for (; done < count; done++) {
        long frame;
        int16_t st = acquire(refs[done], writable, &frame);
        if (st != GNTST_okay) {
            errno = st == GNTST_permission_denied ? EACCES : EINVAL;
            goto fail;
        }
        if (mmap((char *)area + (size_t)done * PAGE, PAGE, prot, MAP_SHARED | MAP_FIXED, mem_fd, (off_t)frame * PAGE) == MAP_FAILED) {
            release(refs[done], writable);
            goto fail;
        }
    }
    struct mapping *m = malloc(sizeof *m);
    uint32_t *copy = malloc(sizeof(uint32_t) * (count ? count : 1));
    if (!m || !copy) {
        free(m);
        free(copy);
        goto fail;
    }
    m->addr = area;
    m->count = count;
    m->refs = copy;
    memcpy(m->refs, refs, sizeof(uint32_t) * count);
    m->writable = writable;
    m->next = mappings;
    mappings = m;
    pthread_mutex_unlock(&grant_lock);
    return area;
fail:
    for (uint32_t i = 0; i < done; i++)
        release(refs[i], writable);
    if (area)
        munmap(area, (size_t)count * PAGE);
    pthread_mutex_unlock(&grant_lock);
    return NULL;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot) {
    return xengnttab_map_domain_grant_refs(xgt, 1, domid, &ref, prot);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids, uint32_t *refs, int prot) {
    return xengnttab_map_domain_grant_refs(xgt, count, domids[0], refs, prot);
}

int xengnttab_unmap(xengnttab_handle *xgt, void *addr, uint32_t count) {
    (void)xgt;
    pthread_mutex_lock(&grant_lock);
    for (struct mapping **p = &mappings; *p; p = &(*p)->next) {
        if ((*p)->addr == addr) {
            struct mapping *m = *p;
            *p = m->next;
            for (uint32_t i = 0; i < m->count; i++)
                release(m->refs[i], m->writable);
            free(m->refs);
            free(m);
            break;
        }
    }
    pthread_mutex_unlock(&grant_lock);
    return munmap(addr, (size_t)count * PAGE);
}

/* ---- event channels ---- */

/*
 * A handle's descriptor is an epoll set over its bindings' sockets, so QEMU's event loop waits
 * on the sockets themselves: a notification from the frontend wakes QEMU directly, with no
 * thread of the shim's in between. xenevtchn_pending reads the bytes waiting on one ready
 * socket (all its notifications so far count as one, as a pending bit does) and names its port.
 */
#define MAX_BINDINGS 64
struct binding { int port; int sock; int closed; };
struct evt {
    int epfd;
    pthread_mutex_t lock;
    int count;
    struct binding *bindings[MAX_BINDINGS];
};
static int next_port = 1;

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *l, unsigned f) {
    (void)l; (void)f;
    struct evt *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epfd < 0) {
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->lock, NULL);
    return (xenevtchn_handle *)e;
}

int xenevtchn_fd(xenevtchn_handle *h) { return ((struct evt *)h)->epfd; }

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid, evtchn_port_t remote) {
    struct evt *e = (struct evt *)h;
    const char *path = getenv("JRUMP_XEN_EVTCHN");
    if (!path) { errno = ENOENT; return -1; }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0) close(s);
        return -1;
    }
    uint32_t req[2] = { domid, remote };
    int32_t status;
    if (write(s, req, 8) != 8 || read(s, &status, 4) != 4) { close(s); errno = EIO; return -1; }
    if (status != 0) { close(s); errno = status; return -1; }
    if (fcntl(s, F_SETFL, O_NONBLOCK) != 0) { close(s); return -1; }
    pthread_mutex_lock(&e->lock);
    int slot = -1;
    for (int i = 0; i < MAX_BINDINGS; i++)
        if (!e->bindings[i]) { slot = i; break; }
    struct binding *b = slot < 0 ? NULL : calloc(1, sizeof *b);
    if (!b) { pthread_mutex_unlock(&e->lock); close(s); errno = ENOSPC; return -1; }
    b->port = __atomic_fetch_add(&next_port, 1, __ATOMIC_SEQ_CST);
    b->sock = s;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = b };
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, s, &ev) != 0) {
        int err = errno;
        pthread_mutex_unlock(&e->lock);
        free(b);
        close(s);
        errno = err;
        return -1;
    }
    e->bindings[slot] = b;
    e->count++;
    pthread_mutex_unlock(&e->lock);
    return b->port;
}

static struct binding *find(struct evt *e, int port) {
    for (int i = 0; i < MAX_BINDINGS; i++)
        if (e->bindings[i] && e->bindings[i]->port == port)
            return e->bindings[i];
    return NULL;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port) {
    struct evt *e = (struct evt *)h;
    pthread_mutex_lock(&e->lock);
    struct binding *b = find(e, port);
    int s = b ? b->sock : -1;
    pthread_mutex_unlock(&e->lock);
    if (s < 0) { errno = EINVAL; return -1; }
    char one = 1;
    return send(s, &one, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h) {
    struct evt *e = (struct evt *)h;
    pthread_mutex_lock(&e->lock);
    struct binding *b = NULL;
    if (e->count == 1) {
        for (int i = 0; !b && i < MAX_BINDINGS; i++)
            b = e->bindings[i];
    } else {
        struct epoll_event ev;
        if (epoll_wait(e->epfd, &ev, 1, 0) == 1)
            b = ev.data.ptr;
    }
    int port = -1;
    char buf[256];
    ssize_t n = b && !b->closed ? recv(b->sock, buf, sizeof buf, 0) : -1;
    if (n > 0) {
        port = b->port;
    } else if (b && !b->closed && (n == 0 || (errno != EAGAIN && errno != EINTR))) {
        /* the broker went away: its socket would stay readable for ever, so it leaves the set (a dead channel is silent) */
        epoll_ctl(e->epfd, EPOLL_CTL_DEL, b->sock, NULL);
        b->closed = 1;
    }
    pthread_mutex_unlock(&e->lock);
    if (port < 0)
        errno = EAGAIN;
    return port;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port) { (void)h; (void)port; return 0; }

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port) {
    struct evt *e = (struct evt *)h;
    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < MAX_BINDINGS; i++) {
        struct binding *b = e->bindings[i];
        if (b && b->port == (int)port) {
            e->bindings[i] = NULL;
            e->count--;
            if (!b->closed)
                epoll_ctl(e->epfd, EPOLL_CTL_DEL, b->sock, NULL);
            pthread_mutex_unlock(&e->lock);
            close(b->sock);
            free(b);
            return 0;
        }
    }
    pthread_mutex_unlock(&e->lock);
    errno = EINVAL;
    return -1;
}

int xenevtchn_close(xenevtchn_handle *h) {
    struct evt *e = (struct evt *)h;
    for (int i = 0; i < MAX_BINDINGS; i++)
        if (e->bindings[i])
            xenevtchn_unbind(h, e->bindings[i]->port);
    close(e->epfd);
    free(e);
    return 0;
}
