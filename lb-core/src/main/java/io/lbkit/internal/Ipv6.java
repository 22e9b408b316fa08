package io.lbkit.internal;

import java.util.Locale;

/**
 * IPv6 address literals: validation and the canonical text form of RFC 5952 (lower-case hex
 * without leading zeros; the longest run of two or more zero groups, the first of equal runs,
 * written {@code ::}; an IPv4-mapped address as {@code ::ffff:a.b.c.d}). Pure text processing:
 * no name lookup. Thread-safe (stateless).
 */
public final class Ipv6 {

    private Ipv6() {}

    /**
     * The canonical form of an IPv6 literal, without brackets, with an optional zone id after
     * {@code %} (kept as given: interface names are case-sensitive); or null if {@code text} is
     * not one.
     */
    public static String canonical(String text) {
        int percent = text.indexOf('%');
        String zone = "";
        String address = text;
        if (percent >= 0) {
            zone = text.substring(percent);
            address = text.substring(0, percent);
            if (zone.length() < 2 || !zone.substring(1).matches("[A-Za-z0-9._-]+")) {
                return null;
            }
        }
        int[] groups = parse(address);
        return groups == null ? null : format(groups) + zone;
    }

    /** The 8 groups of an IPv6 address, or null if the text is not one. */
    private static int[] parse(String s) {
        if (s.isEmpty()) {
            return null;
        }
        int[] groups = new int[8];
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return null; // "::" at most once
        }
        String head = doubleColon < 0 ? s : s.substring(0, doubleColon);
        String tail = doubleColon < 0 ? "" : s.substring(doubleColon + 2);
        int[] h = groups(head, doubleColon < 0);
        int[] t = doubleColon < 0 ? new int[0] : groups(tail, true);
        if (h == null || t == null) {
            return null;
        }
        if (doubleColon < 0 ? h.length != 8 : h.length + t.length > 7) {
            return null;
        }
        System.arraycopy(h, 0, groups, 0, h.length);
        System.arraycopy(t, 0, groups, 8 - t.length, t.length);
        return groups;
    }

    /**
     * The groups of a colon-separated part ("" has none); the last field may be a dotted IPv4
     * address (two groups) when {@code mayEndWithIpv4}.
     */
    private static int[] groups(String part, boolean mayEndWithIpv4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] fields = part.split(":", -1);
        boolean ipv4 = mayEndWithIpv4 && fields[fields.length - 1].indexOf('.') >= 0;
        int[] out = new int[fields.length + (ipv4 ? 1 : 0)];
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (ipv4 && i == fields.length - 1) {
                long v4 = ipv4(f);
                if (v4 < 0) {
                    return null;
                }
                out[i] = (int) (v4 >>> 16);
                out[i + 1] = (int) (v4 & 0xFFFF);
            } else {
                if (f.isEmpty() || f.length() > 4 || !f.matches("[0-9A-Fa-f]+")) {
                    return null;
                }
                out[i] = Integer.parseInt(f, 16);
            }
        }
        return out;
    }

    /** A dotted-quad IPv4 address as 32 bits, or -1 if invalid. */
    private static long ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.matches("[0-9]+")) {
                return -1;
            }
            int b = Integer.parseInt(p);
            if (b > 255) {
                return -1;
            }
            v = (v << 8) | b;
        }
        return v;
    }

    private static String format(int[] g) {
        if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF) {
            return "::ffff:" + (g[6] >>> 8) + "." + (g[6] & 0xFF) + "." + (g[7] >>> 8) + "."
                    + (g[7] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
