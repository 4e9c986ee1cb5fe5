package io.jrump.net.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * The path a request names, decoded and made safe to append to the served root (RFC 9112
 * 3.2, RFC 3986 sections 2.1 and 5.2.4): origin form ({@code /a/b?q}) or absolute form
 * ({@code http://host/a/b}, accepted only for a host this server answers for: 421 otherwise).
 *
 * <p>Everything that could reach outside the tree or mean two things is refused rather than
 * repaired: a percent-encoded NUL or slash (400: a name cannot hold either, and an encoded
 * slash would let {@code ..%2f} pass a check made on segments), malformed percent escapes or
 * UTF-8 (400), and a {@code ..} that climbs above the root (400). {@code .} and {@code ..}
 * inside the tree are resolved lexically, as RFC 3986 removes dot segments. The result starts
 * with "/", has no empty, "." or ".." segment, and ends with "/" when the request's did.
 */
final class RequestTarget {
    private RequestTarget() {
    }

    /**
     * The decoded path of {@code target}.
     *
     * @param hostField the request's Host field (null for HTTP/1.0 without one)
     * @param names the authorities this server answers for besides the Host field (lower case)
     */
    static String path(String target, String hostField, Set<String> names) throws HttpError {
        String t = target;
        if (!t.startsWith("/")) {
            int scheme = t.indexOf("://");
            if (scheme < 0) {
                throw new HttpError(Status.BAD_REQUEST, "request target is neither a path nor an absolute URI");
            }
            if (!t.substring(0, scheme).equalsIgnoreCase("http")) {
                throw new HttpError(Status.BAD_REQUEST, "only http URIs are served");
            }
            int slash = t.indexOf('/', scheme + 3);
            String authority = (slash < 0 ? t.substring(scheme + 3) : t.substring(scheme + 3, slash)).toLowerCase(java.util.Locale.ROOT);
            if (authority.contains("@")) {
                throw new HttpError(Status.BAD_REQUEST, "user information in the request target");
            }
            boolean ours = names.contains(authority) || names.contains(hostOnly(authority))
                    || (hostField != null && hostField.trim().equalsIgnoreCase(authority));
            if (!ours) {
                throw new HttpError(Status.MISDIRECTED_REQUEST, "request for another host: " + authority);
            }
            t = slash < 0 ? "/" : t.substring(slash);
        }
        int q = t.indexOf('?');
        if (q >= 0) {
            t = t.substring(0, q);
        }
        int hash = t.indexOf('#');
        if (hash >= 0) {
            t = t.substring(0, hash);
        }
        if (plain(t)) {
            return t; // nothing to decode or remove: the common case, without a copy
        }
        Deque<String> segments = new ArrayDeque<>();
        int i = 1;
        while (i <= t.length()) {
            int next = t.indexOf('/', i);
            if (next < 0) {
                next = t.length();
            }
            String seg = decode(t, i, next);
            if (seg.equals("..")) {
                if (segments.isEmpty()) {
                    throw new HttpError(Status.BAD_REQUEST, "path climbs above the served root");
                }
                segments.removeLast();
            } else if (!seg.isEmpty() && !seg.equals(".")) {
                segments.addLast(seg);
            }
            i = next + 1;
        }
        StringBuilder sb = new StringBuilder();
        for (String s : segments) {
            sb.append('/').append(s);
        }
        boolean dir = t.endsWith("/") || t.endsWith("/.") || t.endsWith("/..");
        if (sb.length() == 0 || dir) {
            sb.append('/');
        }
        return sb.toString();
    }

    /**
     * Whether {@code t} (a path starting with "/") is already its own decoded, normal form: no
     * percent escapes, no empty, "." or ".." segments. The last segment may be empty (a
     * directory's trailing slash), which the normal form keeps.
     */
    private static boolean plain(String t) {
        int n = t.length();
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            if (c == '%') {
                return false;
            }
            if (c == '/' && i + 1 < n) {
                char d = t.charAt(i + 1);
                if (d == '/') {
                    return false;
                }
                if (d == '.' && (i + 2 == n || t.charAt(i + 2) == '/' || (t.charAt(i + 2) == '.' && (i + 3 == n || t.charAt(i + 3) == '/')))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String hostOnly(String authority) {
        int colon = authority.lastIndexOf(':');
        return colon > 0 && authority.indexOf(']') < colon ? authority.substring(0, colon) : authority;
    }

    /** One segment, percent-decoded and checked to be UTF-8 without NUL or slash. */
    private static String decode(String t, int from, int to) throws HttpError {
        if (t.indexOf('%', from) < 0 || t.indexOf('%', from) >= to) {
            return t.substring(from, to); // ASCII already checked by the head parser
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i + 2 >= to) {
                throw new HttpError(Status.BAD_REQUEST, "truncated percent escape");
            }
            int hi = Character.digit(t.charAt(i + 1), 16);
            int lo = Character.digit(t.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw new HttpError(Status.BAD_REQUEST, "malformed percent escape");
            }
            int b = hi << 4 | lo;
            if (b == 0) {
                throw new HttpError(Status.BAD_REQUEST, "percent-encoded NUL in the path");
            }
            if (b == '/') {
                throw new HttpError(Status.BAD_REQUEST, "percent-encoded slash in the path");
            }
            out.write(b);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(Status.BAD_REQUEST, "path is not UTF-8");
        }
    }

    /** {@code path} percent-encoded for a URI (what is not unreserved or "/"), for links and Location. */
    static String encode(String path) {
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length + 8);
        for (byte x : b) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
