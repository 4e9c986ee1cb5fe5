package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NIO contract on real ext2 images made by jrump's mkfs and opened with
 * {@code FileSystems.newFileSystem(Path, Map)}; after every test the closed image must pass
 * {@code e2fsck -fn}.
 */
class Ext2NioTest extends NioContract {
    @TempDir
    Path dir;
    Path image;

    @Override
    FileSystem open() throws Exception {
        image = dir.resolve("nio.img");
        Mkfs.createImage(image, 32L << 20, new MkfsOptions("ext2", 0, "nio", null));
        return FileSystems.newFileSystem(image, Map.of());
    }

    @AfterEach
    void imageIsClean() throws IOException, InterruptedException {
        if (fs != null) {
            fs.close();
            fs = null;
        }
        Peers.require("e2fsck", "e2fsprogs");
        HostTools.Result r = Peers.run("e2fsck", "-fn", image.toString());
        assertEquals(0, r.status(), "e2fsck -fn after the test:\n" + r.output());
    }
}
