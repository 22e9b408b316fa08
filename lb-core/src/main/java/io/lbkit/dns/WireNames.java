package io.lbkit.dns;

import static io.lbkit.internal.Quote.quote;

import java.util.Arrays;

/**
 * Names on the wire, both ways: {@link #readName} turns (possibly compressed) labels into the
 * RFC 1035 presentation form, escaping what is not a printable ASCII character, and
 * {@link #encodeName} turns that form back into the same octets. Stateless.
 */
final class WireNames {

    private WireNames() {}

    /**
     * Reads a possibly compressed name starting at {@code start}. Labels are joined with dots
     * without a trailing dot (the root is ""); a '.' or '\' inside a label is escaped with '\',
     * and octets outside printable ASCII as {@code \DDD} (RFC 1035 5.1).
     *
     * @return the offset just after the name where it started (after the first pointer, if any)
     */
    static int readName(byte[] b, int length, int start, String[] out)
            throws MalformedDnsMessageException {
        StringBuilder sb = new StringBuilder();
        int p = start;
        int lowest = start; // every pointer must go strictly below this: no loops possible
        int end = -1;
        int octets = 0;
        while (true) {
            if (p >= length) {
                throw new MalformedDnsMessageException(
                        "name at offset " + start + " runs past the end of the message");
            }
            int len = b[p] & 0xFF;
            int kind = len & 0xC0;
            if (kind == 0xC0) {
                if (p + 1 >= length) {
                    throw new MalformedDnsMessageException("truncated compression pointer");
                }
                int target = ((len & 0x3F) << 8) | (b[p + 1] & 0xFF);
                if (target >= lowest) {
                    throw new MalformedDnsMessageException("compression pointer at offset " + p
                            + " to " + target + " does not point backward");
                }
                if (end < 0) {
                    end = p + 2;
                }
                lowest = target;
                p = target;
                continue;
            }
            if (kind != 0) {
                throw new MalformedDnsMessageException(
                        "reserved label type 0x" + Integer.toHexString(kind) + " at offset " + p);
            }
            octets += len + 1;
            if (octets > DnsMessage.MAX_NAME_OCTETS) {
                throw new MalformedDnsMessageException(
                        "name at offset " + start + " is longer than 255 octets");
            }
            if (len == 0) {
                if (end < 0) {
                    end = p + 1;
                }
                break;
            }
            if (p + 1 + len > length) {
                throw new MalformedDnsMessageException(
                        "label at offset " + p + " runs past the end of the message");
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            for (int i = p + 1; i <= p + len; i++) {
                int c = b[i] & 0xFF;
                if (c == '.' || c == '\\') {
                    sb.append('\\').append((char) c);
                } else if (c <= 0x20 || c >= 0x7F) {
                    sb.append('\\').append((char) ('0' + c / 100))
                            .append((char) ('0' + c / 10 % 10)).append((char) ('0' + c % 10));
                } else {
                    sb.append((char) c);
                }
            }
            p += 1 + len;
        }
        out[0] = sb.toString();
        return end;
    }

    /** Whether two names are equal, ignoring ASCII case (RFC 4343). */
    static boolean sameName(String a, String b) {
        return a.equalsIgnoreCase(b);
    }

    /**
     * Encodes a name as uncompressed labels: the exact inverse of {@link #readName}, so that a
     * name read from the wire (an SRV target, a CNAME) is asked for with the octets it was
     * given. In each label {@code \DDD} (three decimal digits, 0..255) is that octet and
     * {@code \X} is the character X itself ({@code \.} a dot inside a label, {@code \\} a
     * backslash); an unescaped '.' separates labels; one trailing dot is allowed.
     *
     * @param name a validated host name or a name produced by {@link #readName}
     * @throws IllegalArgumentException if the name is empty-labelled, not ASCII, badly escaped,
     *     has a label over 63 octets or is over 255 octets on the wire
     */
    static byte[] encodeName(String name) {
        int n = name.length();
        if (n == 0 || name.equals(".")) {
            return new byte[] {0};
        }
        // every label is checked against 63 octets and the total against 255 after each label,
        // so this buffer cannot overflow
        byte[] out = new byte[DnsMessage.MAX_NAME_OCTETS + DnsMessage.MAX_LABEL_OCTETS + 1];
        int lengthAt = 0;
        int o = 1;
        int i = 0;
        while (true) {
            int labelStart = o;
            while (i < n && name.charAt(i) != '.') {
                if (o - labelStart == DnsMessage.MAX_LABEL_OCTETS) {
                    throw new IllegalArgumentException("label longer than 63 octets in name "
                            + quote(name));
                }
                char c = name.charAt(i++);
                int octet;
                boolean decimal = false;
                if (c == '\\') {
                    if (i == n) {
                        throw new IllegalArgumentException("name ends in a lone backslash: "
                                + quote(name));
                    }
                    char d = name.charAt(i);
                    if (d >= '0' && d <= '9') {
                        octet = decimalEscape(name, i);
                        decimal = true;
                        i += 3;
                    } else {
                        octet = d;
                        i++;
                    }
                } else {
                    octet = c;
                }
                if (octet > 0x7F && !decimal) {
                    throw new IllegalArgumentException("name is not ASCII: " + quote(name));
                }
                out[o++] = (byte) octet;
            }
            int len = o - labelStart;
            if (len == 0) {
                throw new IllegalArgumentException("empty label in name " + quote(name));
            }
            out[lengthAt] = (byte) len;
            if (o + 1 > DnsMessage.MAX_NAME_OCTETS) {
                throw new IllegalArgumentException("name longer than 255 octets: " + quote(name));
            }
            if (i == n || i == n - 1) { // the end, or a trailing dot
                break;
            }
            i++; // the dot between labels
            lengthAt = o++;
        }
        out[o++] = 0;
        return Arrays.copyOf(out, o);
    }

    /** The octet of the {@code \DDD} escape whose first digit is at {@code at}. */
    private static int decimalEscape(String name, int at) {
        if (at + 3 > name.length()) {
            throw new IllegalArgumentException("escape \\DDD needs three digits in name "
                    + quote(name));
        }
        int v = 0;
        for (int k = at; k < at + 3; k++) {
            char d = name.charAt(k);
            if (d < '0' || d > '9') {
                throw new IllegalArgumentException("escape \\DDD needs three digits in name "
                        + quote(name));
            }
            v = v * 10 + (d - '0');
        }
        if (v > 0xFF) {
            throw new IllegalArgumentException("escape \\" + v + " is not an octet (0..255) in"
                    + " name " + quote(name));
        }
        return v;
    }
}
