package io.jrump.net.http;

import io.jrump.api.DirEntry;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTML index of one directory, as nginx's autoindex shows it: one link per entry (names
 * escaped for HTML and percent-encoded in the link, so a hostile name stays text), directories
 * with a trailing slash, sizes and modification times. Bounded to {@value #MAX_ENTRIES} entries.
 */
final class DirectoryListing {
    static final int MAX_ENTRIES = 10_000;

    private DirectoryListing() {
    }

    static byte[] html(Syscalls sys, String kernelDir, String urlPath) throws ErrnoException {
        List<DirEntry> entries = new ArrayList<>(sys.readdir(kernelDir));
        entries.removeIf(e -> e.name().equals(".") || e.name().equals(".."));
        entries.sort((a, b) -> a.name().compareTo(b.name()));
        StringBuilder sb = new StringBuilder(256 + entries.size() * 96);
        String title = escape(urlPath);
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ").append(title)
                .append("</title></head>\n<body><h1>Index of ").append(title).append("</h1><hr><pre>\n");
        if (!urlPath.equals("/")) {
            sb.append("<a href=\"../\">../</a>\n");
        }
        int shown = 0;
        for (DirEntry e : entries) {
            if (shown++ == MAX_ENTRIES) {
                sb.append("... ").append(entries.size() - MAX_ENTRIES).append(" more\n");
                break;
            }
            Stat st;
            try {
                st = sys.stat(kernelDir + e.name());
            } catch (ErrnoException gone) {
                continue; // removed meanwhile, or a dangling link: not listed
            }
            String name = e.name() + (st.isDirectory() ? "/" : "");
            sb.append("<a href=\"").append(escape(RequestTarget.encode(name))).append("\">").append(escape(name)).append("</a>");
            sb.append(" ".repeat(Math.max(1, 50 - name.length())));
            sb.append(HttpDates.format(st.mtime().getEpochSecond())).append("  ");
            sb.append(st.isDirectory() ? "-" : String.valueOf(st.size())).append('\n');
        }
        sb.append("</pre><hr></body></html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
