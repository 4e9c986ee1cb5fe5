package io.jrump.fs.nio;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Owners as an image knows them: numbers. An image carries no user database (its
 * {@code /etc/passwd}, if any, is just a file), so users and groups are named by their
 * decimal id, and the lookup service accepts exactly that.
 */
final class RumpPrincipals extends UserPrincipalLookupService {
    record User(int uid) implements UserPrincipal {
        @Override
        public String getName() {
            return Integer.toString(uid);
        }

        @Override
        public String toString() {
            return getName();
        }
    }

    record Group(int gid) implements GroupPrincipal {
        @Override
        public String getName() {
            return Integer.toString(gid);
        }

        @Override
        public String toString() {
            return getName();
        }
    }

    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws UserPrincipalNotFoundException {
        return new User(parse(name));
    }

    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String group) throws UserPrincipalNotFoundException {
        return new Group(parse(group));
    }

    /** The id in a principal's name; only ids that fit an ext2 inode's 32 bits. */
    static int parse(String name) throws UserPrincipalNotFoundException {
        try {
            long id = Long.parseLong(name);
            if (id >= 0 && id <= 0xFFFF_FFFFL) {
                return (int) id;
            }
        } catch (NumberFormatException e) {
            // fall through: not a number
        }
        throw new UserPrincipalNotFoundException(name);
    }

    /** The id of a principal from any provider whose name is a number. */
    static int id(java.security.Principal p) throws UserPrincipalNotFoundException {
        if (p instanceof User u) {
            return u.uid();
        }
        if (p instanceof Group g) {
            return g.gid();
        }
        return parse(p.getName());
    }
}
