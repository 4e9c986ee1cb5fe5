package io.jrump.fs.nio;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Glob patterns as {@link java.nio.file.FileSystem#getPathMatcher} documents them, turned
 * into regular expressions: {@code *} within a name, {@code **} across names, {@code ?} one
 * character of a name, {@code [...]} a class ({@code [!...]} negated), {@code {a,b}} a group,
 * and {@code \} escaping the next character.
 */
final class Globs {
    private static final String REGEX_META = ".^$+{[]|()\\";

    private Globs() {
    }

    static Pattern toRegex(String glob) {
        StringBuilder re = new StringBuilder("^");
        boolean inGroup = false;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '\\' -> {
                    if (++i == glob.length()) {
                        throw new PatternSyntaxException("no character to escape", glob, i - 1);
                    }
                    literal(re, glob.charAt(i));
                }
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                case '[' -> i = charClass(glob, i, re);
                case '{' -> {
                    if (inGroup) {
                        throw new PatternSyntaxException("nested groups", glob, i);
                    }
                    re.append("(?:");
                    inGroup = true;
                }
                case '}' -> {
                    if (inGroup) {
                        re.append(')');
                        inGroup = false;
                    } else {
                        literal(re, c);
                    }
                }
                case ',' -> re.append(inGroup ? "|" : ",");
                default -> literal(re, c);
            }
        }
        if (inGroup) {
            throw new PatternSyntaxException("missing '}'", glob, glob.length() - 1);
        }
        return Pattern.compile(re.append('$').toString());
    }

    private static int charClass(String glob, int start, StringBuilder re) {
        int i = start + 1;
        re.append('[');
        if (i < glob.length() && glob.charAt(i) == '!') {
            re.append('^');
            i++;
        }
        boolean first = true;
        for (; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == ']' && !first) {
                re.append(']');
                return i;
            }
            if (c == '/') {
                throw new PatternSyntaxException("'/' in a character class", glob, i);
            }
            if (c == '\\' || c == '[' || c == '&' || (c == '^' && first)) {
                re.append('\\');
            }
            re.append(c);
            first = false;
        }
        throw new PatternSyntaxException("missing ']'", glob, start);
    }

    private static void literal(StringBuilder re, char c) {
        if (REGEX_META.indexOf(c) >= 0) {
            re.append('\\');
        }
        re.append(c);
    }
}
