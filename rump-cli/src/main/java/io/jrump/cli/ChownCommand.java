package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rump chown OWNER[:GROUP] IMAGE:PATH...}: sets owner and/or group ({@code :GROUP}
 * alone sets only the group). Ids are numbers: an image has no user database of its own.
 */
@Command(name = "chown", description = "Change owner and group (numeric ids: UID, UID:GID or :GID) in an image.")
final class ChownCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "OWNER[:GROUP]")
    String owner;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        int colon = owner.indexOf(':');
        String u = colon < 0 ? owner : owner.substring(0, colon);
        String g = colon < 0 ? "" : owner.substring(colon + 1);
        int uid = id(u);
        int gid = id(g);
        if (uid == -1 && gid == -1) {
            throw usage("OWNER[:GROUP] '" + owner + "': give a uid, a gid or both");
        }
        for (String p : paths) {
            ImageAddress a = address(p);
            ImageSide side = session.side(a, true);
            Stat st = side.stat(a.path());
            int newUid = uid == -1 ? st.uid() : uid;
            int newGid = gid == -1 ? st.gid() : gid;
            side.run("chown", a.path(), (sys, k) -> sys.chown(k, newUid, newGid));
        }
    }

    /** A numeric id, or -1 for "keep". */
    private int id(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        try {
            long v = Long.parseLong(s);
            if (v >= 0 && v < 0xFFFF_FFFFL) {
                return (int) v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw usage("'" + s + "' is not a numeric id (an image has no user names)");
    }
}
