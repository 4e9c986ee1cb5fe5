package io.jrump.xen.hv;

import java.nio.ByteBuffer;

/**
 * A page granted to another domain: its grant reference and the page itself (4096 bytes).
 *
 * @param ref the grant reference the other domain maps
 * @param frame the frame the entry names (a page number in the granting domain)
 * @param page the page's bytes, shared with whoever maps the grant
 */
public record GrantedPage(int ref, int frame, ByteBuffer page) {
}
