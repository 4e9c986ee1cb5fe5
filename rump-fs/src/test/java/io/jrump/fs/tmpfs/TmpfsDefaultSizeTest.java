package io.jrump.fs.tmpfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A tmpfs mounted without a size gets half of the heap, as Linux's gets half of memory. */
class TmpfsDefaultSizeTest {
    @Test
    void halfTheHeapInWholePages() {
        assertEquals(512L << 20, TmpfsType.defaultSize(1L << 30));
        assertEquals(3 * 4096, TmpfsType.defaultSize(7 * 4096 + 100));
        assertEquals(4096, TmpfsType.defaultSize(4096), "never less than a page");
        assertEquals(0, TmpfsType.defaultSize(Long.MAX_VALUE), "a JVM without a heap limit: no limit");
        assertEquals(TmpfsType.defaultSize(Runtime.getRuntime().maxMemory()), TmpfsType.DEFAULT_SIZE);
    }
}
