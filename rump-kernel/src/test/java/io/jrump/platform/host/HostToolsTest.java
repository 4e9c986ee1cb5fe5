package io.jrump.platform.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.testing.Peers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An ordinary user's PATH has no sbin directories, yet the tools there must be found, and run by the path found. */
class HostToolsTest {
    /** Debian's default PATH for users (/etc/profile, /etc/login.defs ENV_PATH). */
    private static final String USER_PATH = "/usr/local/bin:/usr/bin:/bin";

    @Test
    void sbinDirectoriesAreSearchedAfterThePath() {
        assertEquals(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"), HostTools.searchPath(USER_PATH));
        assertEquals(List.of("/sbin", "/usr/bin", "/usr/sbin"), HostTools.searchPath("/sbin:/usr/bin::/usr/bin"));
    }

    @Test
    void aToolInSbinIsFoundWithAUsersPath() {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        assumeTrue(e2fsck.startsWith("/usr/sbin") || e2fsck.startsWith("/sbin"), "e2fsck is not in sbin here, as on Debian: " + e2fsck);
        assertEquals(e2fsck, HostTools.find("e2fsck", HostTools.searchPath(USER_PATH)).orElseThrow());
        assertTrue(HostTools.find("e2fsck", List.of("/usr/local/bin", "/usr/bin", "/bin")).isEmpty(), "not on a user's PATH itself");
    }

    @Test
    void commandsRunByThePathFound() throws Exception {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        ProcessBuilder pb = HostTools.processBuilder(List.of("e2fsck", "-V"));
        assertEquals(e2fsck.toString(), pb.command().get(0));
        assertTrue(pb.environment().get("PATH").contains("/usr/sbin"), pb.environment().get("PATH"));
        HostTools.Result r = HostTools.run(60, null, List.of("e2fsck", "-V"));
        assertTrue(r.output().contains("e2fsck"), r.output());
    }

    @Test
    void aMissingToolIsNotFoundAndSaysWhichPackage() {
        assertTrue(HostTools.find("no-such-tool-jrump").isEmpty());
        assertEquals("no-such-tool-jrump not installed (Debian package x)", HostTools.notInstalled("no-such-tool-jrump", "x"));
    }
}
