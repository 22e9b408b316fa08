package io.lbkit.internal;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * The one host grammar of lbkit, shared by every entry point that takes a host: {@code Endpoint},
 * the endpoint file, the DNS groups' names. Thread-safe (stateless).
 *
 * <p>A host is one of:
 *
 * <ul>
 *   <li>a <b>host name</b> (RFC 1123 §2.1, RFC 1035 §2.3.4): at most 253 characters without an
 *       optional trailing dot, labels of 1..63 ASCII letters, digits, {@code -} and {@code _},
 *       no label starting or ending with {@code -}, and a last label that is not all digits
 *       (RFC 3696 §2: so {@code 999.999.999.999} and {@code 1.2.3.4.5} are neither a name nor an
 *       address). The underscore is not RFC 1123 but is kept: SRV owner names
 *       ({@code _http._tcp.example.com}, RFC 2782) need it and some container platforms name
 *       services with it. Names are case-insensitive and kept in lower case;
 *   <li>an <b>IPv4 literal</b>: exactly four decimal numbers 0..255 without leading zeros,
 *       separated by dots ({@code 010.0.0.1} is rejected: some resolvers read it as octal);
 *   <li>an <b>IPv6 literal</b> (RFC 4291), with an optional zone id after {@code %}, kept in RFC
 *       5952 form. In {@code host:port} text it must be in brackets ({@code [::1]:8080}); a bare
 *       host may be given with or without them (as {@link java.net.URI#getHost()} returns it).
 *       Brackets around anything else ({@code [1.2.3.4]}, {@code [example.com]}) are rejected.
 * </ul>
 *
 * <p><b>International names.</b> Non-ASCII text is rejected rather than converted: pass the
 * A-label form, for example {@code java.net.IDN.toASCII("münchen.de")}, which is
 * {@code xn--mnchen-3ya.de}. The conversion rules (IDNA 2003 or 2008, UTS 46 mapping) differ
 * between libraries and resolvers, so lbkit leaves that choice to the caller; full-width digits
 * and other look-alikes are rejected for the same reason.
 */
public final class Hosts {

    /** 253: the longest name in text form without the trailing dot (RFC 1035's 255 octets). */
    public static final int MAX_NAME_LENGTH = 253;

    /** 63: the longest label (RFC 1035 §2.3.4). */
    public static final int MAX_LABEL_LENGTH = 63;

    private static final String IDN_HINT = "convert an international name to its A-label form"
            + " with java.net.IDN.toASCII, e.g. xn--mnchen-3ya.de for münchen.de";

    private static final String NON_ASCII =
            "may contain only ASCII letters, digits, '-', '_' and '.' (" + IDN_HINT + ")";
    private static final String SYNTAX =
            "must be a host name or IP address, without scheme, port, path or spaces";

    private Hosts() {}

    /**
     * A host in canonical form, for an endpoint: a name in lower case (a trailing dot kept), an
     * IPv4 literal as given, an IPv6 literal in RFC 5952 form without brackets. Surrounding white
     * space is ignored; brackets around an IPv6 literal are optional.
     *
     * @param field the option name used in messages
     * @throws IllegalArgumentException naming the field and the rule broken, quoting the input
     */
    public static String canonicalHost(String text, String field) {
        requireNonNull(text, field);
        String h = text.strip();
        if (h.length() >= 2 && h.startsWith("[") && h.endsWith("]")) {
            String inner = h.substring(1, h.length() - 1).strip();
            if (inner.isEmpty()) {
                throw new IllegalArgumentException(field + " must not be empty");
            }
            String v6 = inner.indexOf(':') >= 0 ? Ipv6.canonical(inner) : null;
            if (v6 == null) {
                throw invalid(field, "may be in brackets only when it is an IPv6 literal", text);
            }
            return v6;
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        boolean colons = h.indexOf(':') >= 0;
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || (colons && (c == ':' || c == '%'));
            if (!ok) {
                if (c > 0x7F && !Character.isSpaceChar(c) && !Character.isWhitespace(c)) {
                    throw invalid(field, NON_ASCII, text);
                }
                throw invalid(field, SYNTAX, text);
            }
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (h.indexOf(':', colon + 1) < 0) {
                throw invalid(field, "must not include a port (pass the port separately:"
                        + " Endpoint.of(host, port))", text);
            }
            String v6 = Ipv6.canonical(h);
            if (v6 == null) {
                throw invalid(field, "has colons but is not an IPv6 address", text);
            }
            return v6;
        }
        if (isIpv4(h)) {
            return h;
        }
        String problem = nameProblem(h);
        if (problem != null) {
            throw invalid(field, problem, text);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /**
     * A DNS name to resolve: a host name as above, not an IP literal, with any trailing dot
     * removed. White space is not stripped.
     *
     * @param field the option name used in messages
     * @throws IllegalArgumentException naming the field and the rule broken, quoting the input
     */
    public static String dnsName(String text, String field) {
        requireNonNull(text, field);
        String bare = text.startsWith("[") && text.endsWith("]") && text.length() >= 2
                ? text.substring(1, text.length() - 1) : text;
        if (isIpv4(bare) || (bare.indexOf(':') >= 0 && Ipv6.canonical(bare) != null)) {
            throw new IllegalArgumentException(field + " must be a DNS name, not the IP literal "
                    + Quote.quote(text) + "; use EndpointGroup.of(...) for fixed addresses");
        }
        if (text.indexOf(':') >= 0) {
            throw invalid(field, "must be a DNS name without a port (give the port separately)",
                    text);
        }
        String problem = nameProblem(text);
        if (problem != null) {
            throw invalid(field, problem, text);
        }
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    /** Whether {@code s} is a strict dotted-quad IPv4 literal. */
    public static boolean isIpv4(String s) {
        int n = s.length();
        if (n < 7 || n > 15) {
            return false;
        }
        int parts = 0;
        int i = 0;
        while (i <= n) {
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return false;
            }
            parts++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return false;
            }
            i++;
        }
        return parts == 4;
    }

    /**
     * What makes {@code h} not a host name (a phrase that follows the field name), or null if it
     * is one. A single trailing dot is allowed.
     */
    static String nameProblem(String h) {
        String n = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (n.isEmpty()) {
            return "must be a host name or IP address, not empty or '.'";
        }
        if (n.length() > MAX_NAME_LENGTH) {
            return "must be at most " + MAX_NAME_LENGTH + " characters, was " + n.length();
        }
        int labelStart = 0;
        boolean lastAllDigits = true;
        for (int i = 0; i <= n.length(); i++) {
            char c = i < n.length() ? n.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0) {
                    return "must not have an empty label (a leading dot or two dots in a row)";
                }
                if (length > MAX_LABEL_LENGTH) {
                    return "must have labels of 1.." + MAX_LABEL_LENGTH + " characters, has one of "
                            + length;
                }
                if (n.charAt(labelStart) == '-' || n.charAt(i - 1) == '-') {
                    return "must not have a label that starts or ends with '-'";
                }
                if (i < n.length()) {
                    lastAllDigits = true;
                }
                labelStart = i + 1;
                continue;
            }
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9');
            if (!(letterOrDigit || c == '-' || c == '_')) {
                return c > 0x7F && !Character.isSpaceChar(c) ? NON_ASCII : SYNTAX;
            }
            if (c < '0' || c > '9') {
                lastAllDigits = false;
            }
        }
        if (lastAllDigits) {
            return "is neither an IPv4 address (four numbers 0..255, no leading zeros) nor a host"
                    + " name (whose last label is not all digits)";
        }
        return null;
    }

    private static IllegalArgumentException invalid(String field, String problem, String text) {
        return new IllegalArgumentException(field + " " + problem + "; was " + Quote.quote(text));
    }
}
