/*
 * Drives qemu-shim.c's libxengnttab calls as QEMU would, against a grant table this program
 * writes in a memfd standing for the frontend's memory, and prints one line per check:
 * "name value". QemuShimGrantsTest compiles it with the shim and compares the lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

#define PAGE 4096
#define FRAMES 8

static uint32_t *table;

static void grant(uint32_t ref, uint32_t flags, uint32_t domid, uint32_t frame) {
    table[2 * ref + 1] = frame;
    table[2 * ref] = flags | domid << 16;
}

/* One segment copied between buf and ref at off, len bytes; returns its status. */
static int copy(uint32_t ref, uint16_t off, uint16_t len, int to_grant, void *buf, uint16_t extra_flags) {
    xengnttab_grant_copy_segment_t s;
    memset(&s, 0, sizeof s);
    if (to_grant) {
        s.flags = GNTCOPY_dest_gref | extra_flags;
        s.dest.foreign.ref = ref;
        s.dest.foreign.offset = off;
        s.dest.foreign.domid = 1;
        s.source.virt = buf;
    } else {
        s.flags = GNTCOPY_source_gref | extra_flags;
        s.source.foreign.ref = ref;
        s.source.foreign.offset = off;
        s.source.foreign.domid = 1;
        s.dest.virt = buf;
    }
    s.len = len;
    if (xengnttab_grant_copy(NULL, 1, &s) != 0)
        return 999;
    return s.status;
}

static unsigned in_use(uint32_t ref) { return table[2 * ref] & (GTF_reading | GTF_writing); }

int main(void) {
    int fd = memfd_create("frontend", 0);
    if (fd < 0 || ftruncate(fd, FRAMES * PAGE) != 0)
        return 1;
    char *mem = mmap(NULL, FRAMES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED)
        return 1;
    table = (uint32_t *)mem; /* frame 0: the grant table */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    setenv("JRUMP_XEN_MEM", path, 1);
    setenv("JRUMP_XEN_TABLE_FRAMES", "1", 1);

    grant(1, GTF_permit_access, 0, 3);
    grant(2, GTF_permit_access | GTF_readonly, 0, 4);
    grant(3, GTF_permit_access, 5, 3);   /* granted to another domain */
    grant(4, GTF_permit_access, 0, 0);   /* the grant table's own frame */
    grant(5, GTF_permit_access, 0, 100); /* past the domain's memory */
    grant(6, 0, 0, 3);                   /* not granted */
    memset(mem + 3 * PAGE, 'a', PAGE);
    memset(mem + 4 * PAGE, 'b', PAGE);

    char buf[PAGE];
    memset(buf, 0, sizeof buf);
    printf("read %d\n", copy(1, 100, 200, 0, buf, 0));
    printf("read-data %d\n", buf[0] == 'a' && buf[199] == 'a' && buf[200] == 0);
    memset(buf, 'z', sizeof buf);
    printf("write %d\n", copy(1, 8, 16, 1, buf, 0));
    printf("write-data %d\n", mem[3 * PAGE + 7] == 'a' && mem[3 * PAGE + 8] == 'z' && mem[3 * PAGE + 23] == 'z' && mem[3 * PAGE + 24] == 'a');
    printf("write-readonly %d\n", copy(2, 0, 16, 1, buf, 0));
    printf("readonly-unchanged %d\n", mem[4 * PAGE] == 'b');
    printf("read-readonly %d\n", copy(2, 0, 16, 0, buf, 0));
    printf("other-domain %d\n", copy(3, 0, 16, 0, buf, 0));
    printf("table-frame %d\n", copy(4, 0, 16, 1, buf, 0));
    printf("past-memory %d\n", copy(5, 0, 16, 0, buf, 0));
    printf("not-granted %d\n", copy(6, 0, 16, 0, buf, 0));
    printf("past-table %d\n", copy(100000, 0, 16, 0, buf, 0));
    printf("crosses-page %d\n", copy(1, 4000, 200, 0, buf, 0));
    printf("both-foreign %d\n", copy(1, 0, 16, 0, buf, GNTCOPY_dest_gref));
    printf("in-use-after-copies %u\n", in_use(1) | in_use(2));

    uint32_t one = 1, two = 2;
    void *a = xengnttab_map_domain_grant_refs(NULL, 1, 1, &one, PROT_READ | PROT_WRITE);
    void *b = xengnttab_map_domain_grant_refs(NULL, 1, 1, &one, PROT_READ);
    printf("mapped %d\n", a != NULL && b != NULL && ((char *)a)[8] == 'z');
    printf("in-use-mapped %u\n", in_use(1));
    errno = 0;
    void *c = xengnttab_map_domain_grant_refs(NULL, 1, 1, &two, PROT_READ | PROT_WRITE);
    printf("map-readonly-writable %d\n", c == NULL ? errno : 0);
    printf("in-use-refused %u\n", in_use(2));
    xengnttab_unmap(NULL, a, 1);
    printf("in-use-one-reader-left %u\n", in_use(1));
    xengnttab_unmap(NULL, b, 1);
    printf("in-use-unmapped %u\n", in_use(1));
    return 0;
}
