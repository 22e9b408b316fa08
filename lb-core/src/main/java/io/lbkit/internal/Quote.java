package io.lbkit.internal;

/**
 * Quotes user input for error messages and logs: the result is printable ASCII, so a binary file
 * or a stray byte-order mark cannot put control characters, invisible characters or megabytes of
 * text into a message. Thread-safe (stateless).
 *
 * <p>{@code quote("a\tb")} is {@code 'a\tb'}; a NUL is {@code \u0000}, a BOM {@code \ufeff}, any
 * other character outside printable ASCII {@code \}{@code uXXXX}; a quote or backslash in the
 * input is escaped with a backslash. Once the quoted text reaches {@value #MAX_CHARS}
 * characters, the rest is cut and {@code ...(N chars)} follows, N being the input's length.
 */
public final class Quote {

    /**
     * 100: the most characters of quoted text (escapes counted) before the cut; enough to
     * recognise a host name, a line of an endpoint file or a URL.
     */
    public static final int MAX_CHARS = 100;

    private Quote() {}

    /** The input between single quotes, escaped and truncated; {@code null} for null. */
    public static String quote(CharSequence input) {
        if (input == null) {
            return "null";
        }
        int n = input.length();
        StringBuilder sb = new StringBuilder(Math.min(n, MAX_CHARS) + 24).append('\'');
        int i = 0;
        for (; i < n && sb.length() <= MAX_CHARS; i++) {
            char c = input.charAt(i);
            switch (c) {
                case '\'' -> sb.append("\\'");
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        sb.append(c);
                    } else {
                        sb.append("\\u").append(Character.forDigit(c >> 12, 16))
                                .append(Character.forDigit((c >> 8) & 0xF, 16))
                                .append(Character.forDigit((c >> 4) & 0xF, 16))
                                .append(Character.forDigit(c & 0xF, 16));
                    }
                }
            }
        }
        sb.append('\'');
        if (i < n) {
            sb.append("...(").append(n).append(" chars)");
        }
        return sb.toString();
    }
}
