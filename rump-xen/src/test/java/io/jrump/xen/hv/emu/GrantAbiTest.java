package io.jrump.xen.hv.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.testing.XenAbi;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** grant_entry_v1 and its flags agree with grant_table.h as gcc compiles it. */
class GrantAbiTest {
    @Test
    void layout() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("grant_entry_v1"), (long) GrantEntries.ENTRY_SIZE);
        assertEquals(0L, c.get("grant_entry_v1.flags"));
        assertEquals(2L, c.get("grant_entry_v1.domid"), "domid is the high half of the first word");
        assertEquals(4L, c.get("grant_entry_v1.frame"));
        assertEquals(c.get("GNTTAB_NR_RESERVED_ENTRIES"), (long) GrantTable.RESERVED_ENTRIES);
        assertEquals(c.get("GTF_permit_access"), (long) GrantEntries.GTF_PERMIT_ACCESS);
        assertEquals(c.get("GTF_readonly"), (long) GrantEntries.GTF_READONLY);
        assertEquals(c.get("GTF_reading"), (long) GrantEntries.GTF_READING);
        assertEquals(c.get("GTF_writing"), (long) GrantEntries.GTF_WRITING);
    }
}
