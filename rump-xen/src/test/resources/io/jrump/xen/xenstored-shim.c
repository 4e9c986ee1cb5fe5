/*
 * LD_PRELOAD library that lets Debian's xenstored run on a machine without a hypervisor.
 *
 * xenstored asks the hypervisor (libxenctrl) whether domains exist, binds event channels
 * (libxenevtchn), maps rings granted by other domains (libxengnttab) and opens dom0's ring
 * through /proc/xen/xsd_port and /proc/xen/xsd_kva. This library answers those calls:
 *
 *  - every domain exists and is running (xc_domain_getinfo);
 *  - dom0's xenstore page is the file $JRUMP_XS_DIR/xsd_kva (4096 bytes), so a test in
 *    another process maps the same page and talks to xenstored over the shared ring;
 *  - event channels: xenevtchn_fd is the read end of the FIFO $JRUMP_XS_DIR/evtchn-in
 *    (a byte written there by the test means "dom0's port is pending"); xenevtchn_notify
 *    writes a byte to the FIFO $JRUMP_XS_DIR/evtchn-out;
 *  - grant mappings are anonymous pages (no other domain is ever introduced by the tests).
 *
 * Without JRUMP_XS_DIR the library does nothing but the stubs xenstored needs to start.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define DOM0_LOCAL_PORT 1
#define DOM0_REMOTE_PORT 1
#define VIRQ_PORT 2

static int evtchn_in = -1;
static int evtchn_out = -1;

static const char *dir(void) {
    return getenv("JRUMP_XS_DIR");
}

static int open_in_dir(const char *name, int flags) {
    char path[4096];
    if (!dir()) {
        errno = ENOENT;
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir(), name);
    return ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"))(path, flags, 0600);
}

static int redirect(const char *path, int flags) {
    if (strcmp(path, "/proc/xen/xsd_port") == 0) {
        int fd = memfd_create("xsd_port", 0);
        char text[16];
        int n = snprintf(text, sizeof text, "%d", DOM0_REMOTE_PORT);
        if (fd < 0 || write(fd, text, n) != n)
            return -1;
        lseek(fd, 0, SEEK_SET);
        return fd;
    }
    if (strcmp(path, "/proc/xen/xsd_kva") == 0) {
        int fd = open_in_dir("xsd_kva", O_RDWR);
        if (fd < 0) {
            fd = memfd_create("xsd_kva", 0);
            if (fd >= 0 && ftruncate(fd, 4096) != 0)
                return -1;
        }
        return fd;
    }
    (void)flags;
    return -2;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int fd = redirect(path, flags);
    if (fd != -2)
        return fd;
    return ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"))(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int fd = redirect(path, flags);
    if (fd != -2)
        return fd;
    return ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64"))(path, flags, mode);
}

/* libxenctrl */
static int xc_handle;

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags) {
    (void)logger; (void)dombuild_logger; (void)open_flags;
    return (xc_interface *)&xc_handle;
}

int xc_interface_close(xc_interface *xch) {
    (void)xch;
    return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info) {
    (void)xch;
    if (max_doms == 0)
        return 0;
    memset(info, 0, sizeof *info);
    info->domid = first_domid;
    info->running = 1;
    return 1;
}

/* libxenevtchn */
static int evtchn_handle;

static void open_fifos(void) {
    if (evtchn_in < 0) {
        evtchn_in = open_in_dir("evtchn-in", O_RDWR | O_NONBLOCK);
        if (evtchn_in < 0)
            evtchn_in = eventfd(0, EFD_NONBLOCK);
    }
    if (evtchn_out < 0)
        evtchn_out = open_in_dir("evtchn-out", O_RDWR | O_NONBLOCK);
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags) {
    (void)logger; (void)open_flags;
    open_fifos();
    return (xenevtchn_handle *)&evtchn_handle;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags) {
    (void)fd;
    return xenevtchn_open(logger, open_flags);
}

int xenevtchn_close(xenevtchn_handle *xce) {
    (void)xce;
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce) {
    (void)xce;
    return evtchn_in;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port) {
    (void)xce;
    if (port == DOM0_LOCAL_PORT && evtchn_out >= 0) {
        char b = 1;
        if (write(evtchn_out, &b, 1) < 0 && errno != EAGAIN)
            return -1;
    }
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid) {
    (void)xce; (void)domid;
    return 100;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid, evtchn_port_t remote_port) {
    (void)xce; (void)remote_port;
    return domid == 0 ? DOM0_LOCAL_PORT : (xenevtchn_port_or_error_t)(16 + domid);
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq) {
    (void)xce; (void)virq;
    return VIRQ_PORT;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port) {
    (void)xce; (void)port;
    return 0;
}

/* One read drains the FIFO (or the eventfd): every wake-up means "look at dom0's ring". */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce) {
    (void)xce;
    char buf[256];
    ssize_t n = read(evtchn_in, buf, sizeof buf);
    if (n <= 0) {
        errno = EAGAIN;
        return -1;
    }
    return DOM0_LOCAL_PORT;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port) {
    (void)xce; (void)port;
    return 0;
}

/* libxengnttab */
static int gnttab_handle;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags) {
    (void)logger; (void)open_flags;
    return (xengnttab_handle *)&gnttab_handle;
}

int xengnttab_close(xengnttab_handle *xgt) {
    (void)xgt;
    return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants) {
    (void)xgt; (void)nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot) {
    (void)xgt; (void)domid; (void)ref;
    void *p = mmap(NULL, 4096, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count) {
    (void)xgt;
    return munmap(start_address, (size_t)count * 4096);
}
