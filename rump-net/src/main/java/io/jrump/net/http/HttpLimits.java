package io.jrump.net.http;

/**
 * Bounds on what one request may make the server hold: its request line, its whole head and
 * its number of header fields. nginx's defaults are of this order (a 1 KiB first buffer growing
 * to four of 8 KiB); Apache's are 8,190 bytes per line and 100 fields.
 */
record HttpLimits(int maxRequestLine, int maxHeadBytes, int maxFields) {
    HttpLimits {
        if (maxRequestLine < 16 || maxHeadBytes < maxRequestLine || maxFields < 1) {
            throw new IllegalArgumentException("bad HTTP limits: line " + maxRequestLine + ", head " + maxHeadBytes + ", fields " + maxFields);
        }
    }
}
