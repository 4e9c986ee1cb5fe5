package io.jrump.xen.hv;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Pages granted together ({@link GrantTable#grantRun}): each page with its own reference, and
 * one view of all of them side by side, for structures that span pages (a multi-page ring,
 * whose slots cross page boundaries).
 *
 * @param pages the pages in order, each ended with {@link GrantTable#endAccess}
 * @param view {@code pages.size() * 4096} bytes: page {@code i} at byte {@code i * 4096}
 */
public record GrantedRun(List<GrantedPage> pages, ByteBuffer view) {
}
