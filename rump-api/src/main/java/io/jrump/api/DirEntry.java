package io.jrump.api;

/** One directory entry as {@code getdents} returns it; {@code type} is a {@code FileMode.DT_*} value. */
public record DirEntry(long ino, int type, String name) {
}
