/**
 * The {@code rump} command: tours of a kernel, and tools for disk images (ls, cat, cp, mkfs,
 * ...). It exports nothing; picocli reads its commands' options reflectively.
 */
module io.jrump.cli {
    requires io.jrump.fs;
    requires io.jrump.net;
    requires io.jrump.measure;
    // vhost-user-blk:SOCKET images; the Xen platforms are found as services only
    requires io.jrump.arm;
    requires io.jrump.xen;
    requires info.picocli;
    requires java.logging;

    opens io.jrump.cli to info.picocli;
}
