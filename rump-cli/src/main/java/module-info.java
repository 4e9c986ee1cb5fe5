/**
 * The {@code rump} command: tours of a kernel, and tools for disk images (ls, cat, cp, mkfs,
 * ...). It exports nothing; picocli reads its commands' options reflectively.
 */
module io.jrump.cli {
    requires io.jrump.fs;
    requires io.jrump.net;
    requires io.jrump.measure;
    // the platforms are found as services only, and so are vhost-user-blk:SOCKET images (io.jrump.api.BlockDevices)
    requires io.jrump.arm;
    requires io.jrump.xen;
    requires info.picocli;
    requires java.logging;

    opens io.jrump.cli to info.picocli;
}
