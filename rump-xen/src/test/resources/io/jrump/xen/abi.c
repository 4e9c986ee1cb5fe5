/* Prints the sizes and field offsets of Xen's shared structures, as the headers in libxen-dev define them. */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/xs_wire.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

#define P(name, value) printf("%s %ld\n", name, (long)(value))
#define S(type) P(#type, sizeof(struct type))
#define O(type, field) P(#type "." #field, offsetof(struct type, field))

int main(void) {
    S(xsd_sockmsg); O(xsd_sockmsg, type); O(xsd_sockmsg, req_id); O(xsd_sockmsg, tx_id); O(xsd_sockmsg, len);
    P("XENSTORE_PAYLOAD_MAX", XENSTORE_PAYLOAD_MAX);
    P("XENSTORE_RING_SIZE", XENSTORE_RING_SIZE);
    S(xenstore_domain_interface);
    O(xenstore_domain_interface, req); O(xenstore_domain_interface, rsp);
    O(xenstore_domain_interface, req_cons); O(xenstore_domain_interface, req_prod);
    O(xenstore_domain_interface, rsp_cons); O(xenstore_domain_interface, rsp_prod);
    O(xenstore_domain_interface, server_features); O(xenstore_domain_interface, connection); O(xenstore_domain_interface, error);
    S(grant_entry_v1); O(grant_entry_v1, flags); O(grant_entry_v1, domid); O(grant_entry_v1, frame);
    P("GNTTAB_NR_RESERVED_ENTRIES", GNTTAB_NR_RESERVED_ENTRIES);
    P("GTF_permit_access", GTF_permit_access); P("GTF_readonly", GTF_readonly);
    P("GTF_reading", GTF_reading); P("GTF_writing", GTF_writing);
    S(blkif_sring); O(blkif_sring, req_prod); O(blkif_sring, req_event); O(blkif_sring, rsp_prod); O(blkif_sring, rsp_event); O(blkif_sring, ring);
    P("blkif_ring_size", __CONST_RING_SIZE(blkif, 4096));
    P("blkif_ring_size_16_pages", __CONST_RING_SIZE(blkif, 16 * 4096));
    P("sizeof(union blkif_sring_entry)", sizeof(union blkif_sring_entry));
    S(blkif_request); O(blkif_request, operation); O(blkif_request, nr_segments); O(blkif_request, handle);
    O(blkif_request, id); O(blkif_request, sector_number); O(blkif_request, seg);
    S(blkif_request_segment); O(blkif_request_segment, gref); O(blkif_request_segment, first_sect); O(blkif_request_segment, last_sect);
    O(blkif_request_discard, flag); O(blkif_request_discard, nr_sectors);
    S(blkif_request_indirect); O(blkif_request_indirect, indirect_op); O(blkif_request_indirect, nr_segments);
    O(blkif_request_indirect, id); O(blkif_request_indirect, sector_number); O(blkif_request_indirect, handle);
    O(blkif_request_indirect, indirect_grefs);
    P("BLKIF_OP_INDIRECT", BLKIF_OP_INDIRECT); P("BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST", BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
    S(blkif_response); O(blkif_response, id); O(blkif_response, operation); O(blkif_response, status);
    P("BLKIF_MAX_SEGMENTS_PER_REQUEST", BLKIF_MAX_SEGMENTS_PER_REQUEST);
    P("BLKIF_OP_FLUSH_DISKCACHE", BLKIF_OP_FLUSH_DISKCACHE); P("BLKIF_OP_DISCARD", BLKIF_OP_DISCARD);
    P("BLKIF_RSP_ERROR", BLKIF_RSP_ERROR); P("BLKIF_RSP_EOPNOTSUPP", BLKIF_RSP_EOPNOTSUPP);
    S(netif_tx_request); S(netif_tx_response); S(netif_rx_request); S(netif_rx_response);
    O(netif_tx_request, gref); O(netif_tx_request, offset); O(netif_tx_request, flags); O(netif_tx_request, id); O(netif_tx_request, size);
    O(netif_tx_response, id); O(netif_tx_response, status); O(netif_rx_request, id); O(netif_rx_request, gref);
    O(netif_rx_response, id); O(netif_rx_response, offset); O(netif_rx_response, flags); O(netif_rx_response, status);
    P("NETTXF_more_data", NETTXF_more_data); P("NETTXF_extra_info", NETTXF_extra_info);
    P("NETRXF_data_validated", NETRXF_data_validated); P("NETRXF_more_data", NETRXF_more_data); P("NETRXF_extra_info", NETRXF_extra_info);
    P("NETIF_RSP_OKAY", NETIF_RSP_OKAY); P("NETIF_RSP_ERROR", NETIF_RSP_ERROR); P("NETIF_RSP_DROPPED", NETIF_RSP_DROPPED); P("NETIF_RSP_NULL", NETIF_RSP_NULL);
    P("netif_tx_ring_size", __CONST_RING_SIZE(netif_tx, 4096)); P("netif_rx_ring_size", __CONST_RING_SIZE(netif_rx, 4096));
    P("XS_DIRECTORY_PART", XS_DIRECTORY_PART); P("XS_WATCH_EVENT", XS_WATCH_EVENT); P("XS_ERROR", XS_ERROR);
    P("XS_RESET_WATCHES", XS_RESET_WATCHES); P("XS_GET_DOMAIN_PATH", XS_GET_DOMAIN_PATH); P("XS_SET_PERMS", XS_SET_PERMS);
    return 0;
}
