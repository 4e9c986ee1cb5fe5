package io.jrump.xen.xenstore;

import io.jrump.api.ErrnoException;
import java.util.List;

/**
 * An open xenstore transaction: reads and writes made through it see one consistent store
 * and take effect together when {@link #commit} succeeds. A commit that conflicts with
 * another writer fails with EAGAIN; {@link XenStoreClient#transaction} retries the whole body.
 */
public final class XsTransaction {
    private final XenStoreClient client;
    private final int id;
    private boolean ended;

    XsTransaction(XenStoreClient client, int id) {
        this.client = client;
        this.id = id;
    }

    /** The transaction id the daemon gave. */
    public int id() {
        return id;
    }

    public String read(String path) throws ErrnoException {
        return client.read(id, path);
    }

    public void write(String path, String value) throws ErrnoException {
        client.write(id, path, XenStoreClient.utf8(value));
    }

    public List<String> directory(String path) throws ErrnoException {
        return client.directory(id, path);
    }

    public void mkdir(String path) throws ErrnoException {
        client.mkdir(id, path);
    }

    public void rm(String path) throws ErrnoException {
        client.rm(id, path);
    }

    /** Commits ("T"); EAGAIN when another writer got in first, and the transaction is gone either way. */
    public void commit() throws ErrnoException {
        end(true);
    }

    /** Abandons the transaction ("F"); does nothing if it already ended. */
    public void abort() throws ErrnoException {
        if (!ended) {
            end(false);
        }
    }

    private void end(boolean commit) throws ErrnoException {
        ended = true;
        client.endTransaction(id, commit);
    }
}
