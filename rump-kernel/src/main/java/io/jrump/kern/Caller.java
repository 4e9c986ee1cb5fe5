package io.jrump.kern;

/** Who is making a path-name call: the credentials to check and the directory relative paths start from. */
public interface Caller {
    Cred cred();

    DirRef cwd();
}
