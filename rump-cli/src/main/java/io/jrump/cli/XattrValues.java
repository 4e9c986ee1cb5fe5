package io.jrump.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Extended-attribute values as the attr package's {@code getfattr} prints them and
 * {@code setfattr} reads them: {@code "text"} (a backslash before {@code "} and {@code \}, NUL,
 * newline and carriage return as octal escapes, other bytes as they are, a final NUL left
 * out), {@code 0x} and hex digits, or {@code 0s} and base64; by default text, or base64 when
 * more than one byte in eight is not printable.
 */
final class XattrValues {
    enum Encoding { TEXT, HEX, BASE64 }

    private XattrValues() {
    }

    static Optional<Encoding> encoding(String name) {
        try {
            return Optional.of(Encoding.valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The value as getfattr prints it: {@code enc} null is its default, text when at most one
     * byte in eight is not printable and base64 otherwise.
     */
    static String encode(byte[] v, Encoding enc) {
        Encoding e = enc != null ? enc : wellEnoughPrintable(v) ? Encoding.TEXT : Encoding.BASE64;
        switch (e) {
            case HEX:
                return "0x" + HexFormat.of().formatHex(v);
            case BASE64:
                return "0s" + Base64.getEncoder().encodeToString(v);
            default:
                StringBuilder sb = new StringBuilder("\"");
                for (int i = 0; i < v.length; i++) {
                    int c = v[i] & 0xFF;
                    if (c == 0 && i == v.length - 1) {
                        break; // a C string's final NUL is not shown
                    }
                    if (c == '"' || c == '\\') {
                        sb.append('\\').append((char) c);
                    } else if (c == 0 || c == '\n' || c == '\r') {
                        sb.append('\\').append(String.format("%03o", c));
                    } else {
                        sb.append((char) c);
                    }
                }
                return sb.append('"').toString();
        }
    }

    /** getfattr's rule for text: at most one byte in eight not printable, else the value is shown in base64. */
    private static boolean wellEnoughPrintable(byte[] v) {
        int size = v.length > 0 && v[v.length - 1] == 0 ? v.length - 1 : v.length; // a C string's final NUL does not count
        int nonPrintable = 0;
        for (int i = 0; i < size; i++) {
            int c = v[i] & 0xFF;
            if (c < 0x20 || c >= 0x7F) {
                nonPrintable++;
            }
        }
        return size >= nonPrintable * 8;
    }

    /** The bytes of a setfattr VALUE; empty when hex or base64 is malformed. */
    static Optional<byte[]> decode(String value) {
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) {
                return Optional.of(HexFormat.of().parseHex(value.substring(2)));
            }
            if (value.startsWith("0s") || value.startsWith("0S")) {
                return Optional.of(Base64.getDecoder().decode(value.substring(2)));
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return Optional.of(unescape(value.substring(1, value.length() - 1)));
        }
        return Optional.of(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Quoted text: backslash and three octal digits is that byte, backslash and another character is that character. */
    private static byte[] unescape(String s) {
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && i + 3 < in.length && isOctal(in[i + 1]) && isOctal(in[i + 2]) && isOctal(in[i + 3])) {
                out.write((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
                i += 3;
            } else if (in[i] == '\\' && i + 1 < in.length) {
                out.write(in[++i]);
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(byte b) {
        return b >= '0' && b <= '7';
    }
}
