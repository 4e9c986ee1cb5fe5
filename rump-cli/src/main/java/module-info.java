/**
 * The {@code rump} command: tours of a kernel, and tools for disk images (ls, cat, cp, mkfs,
 * ...). It exports nothing; picocli reads its commands' options reflectively.
 */
module io.jrump.cli {
    requires io.jrump.fs;
    requires io.jrump.net;
    requires io.jrump.measure;
    requires info.picocli;
    requires java.logging;

    opens io.jrump.cli to info.picocli;
}
