package io.jrump.xen.xenstore;

/** Told when a watched node (or one below it) changes; runs on the client's watch thread. */
@FunctionalInterface
public interface XsWatcher {
    void fired(String path, String token);
}
