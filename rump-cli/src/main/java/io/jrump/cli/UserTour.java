package io.jrump.cli;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.RumpKernel;
import io.jrump.api.RumpProcess;

/** Part two of the demo: two processes with different credentials and the permission checks between them. */
final class UserTour {
    private static final String SECRET = "root's secret\n";
    private static final int ALICE = 1000;

    private UserTour() {
    }

    static void run(RumpKernel kernel, Transcript transcript) throws ErrnoException {
        transcript.section("users: root and uid " + ALICE + " in the same kernel");
        Traced root = new Traced(kernel.sys(), transcript, "pid 1 root");

        root.mkdir("/home", 0755);
        root.mkdir("/home/alice", 0700);
        root.chown("/home/alice", ALICE, ALICE);
        root.writeFile("/secret.txt", 0600, SECRET);

        try (RumpProcess process = kernel.spawn(Credentials.of(ALICE, ALICE))) {
            Traced alice = new Traced(process.sys(), transcript, "pid " + process.pid() + " uid " + ALICE);
            transcript.note("spawned pid " + process.pid() + " as " + process.credentials());

            alice.fails(Errno.EACCES, "open(\"/secret.txt\", O_RDONLY)", () -> process.sys().open("/secret.txt", OpenFlags.O_RDONLY));
            alice.fails(Errno.EACCES, "open(\"/mine.txt\", O_WRONLY|O_CREAT, 0644)",
                    () -> process.sys().open("/mine.txt", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0644));
            alice.writeFile("/home/alice/notes.txt", 0644, "alice was here\n");
            int owner = alice.stat("/home/alice/notes.txt").uid();
            FileTour.check(owner == ALICE, "a file alice created is owned by uid " + owner);
            root.fails(Errno.ENOENT, "stat(\"/home/alice/nothing\")", () -> kernel.sys().stat("/home/alice/nothing"));
            alice.fails(Errno.EPERM, "chmod(\"/secret.txt\", 0644)", () -> process.sys().chmod("/secret.txt", 0644));

            root.chmod("/secret.txt", 0644);
            String read = alice.readFile("/secret.txt");
            FileTour.check(read.equals(SECRET), "after chmod alice read " + Transcript.quote(read));
        }
    }
}
