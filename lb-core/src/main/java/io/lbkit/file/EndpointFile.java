package io.lbkit.file;

import io.lbkit.Endpoint;
import io.lbkit.internal.Quote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoint file format: one {@code host:port [weight] [zone]} per line. Stateless.
 *
 * <ul>
 *   <li>{@code #} starts a comment that runs to the end of the line; blank lines are ignored.
 *   <li>{@code host} is a name or IP literal; IPv6 literals need brackets: {@code [::1]:8080}.
 *   <li>{@code weight}, when present, is an integer 1..65535 (default 1). A second field that is
 *       not all digits is the zone: {@code 10.0.0.1:80 eu-1a} is weight 1 in zone eu-1a.
 *   <li>An address may appear once.
 *   <li>Lines end with {@code \n}, {@code \r\n} or {@code \r}; a leading UTF-8 byte-order
 *       mark is ignored. Text quoted in error messages is escaped and truncated
 *       (see {@code Quote}), so a binary file cannot put control characters into a log.
 * </ul>
 */
final class EndpointFile {

    private EndpointFile() {}

    /** A line that breaks the format; the message starts with the 1-based line number. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int line;
        private final String reason;

        MalformedException(int line, String reason) {
            super("line " + line + ": " + reason);
            this.line = line;
            this.reason = reason;
        }

        int line() {
            return line;
        }

        /** The message without the line number. */
        String reason() {
            return reason;
        }
    }

    static List<Endpoint> parse(String content) throws MalformedException {
        List<Endpoint> endpoints = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1); // a UTF-8 byte-order mark, as some editors write
        }
        String[] lines = content.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            Endpoint e;
            try {
                e = parseLine(lineNo, line);
            } catch (IllegalArgumentException invalid) { // Endpoint's own checks
                throw new MalformedException(lineNo, invalid.getMessage());
            }
            Integer previous = seen.putIfAbsent(e.address(), lineNo);
            if (previous != null) {
                throw new MalformedException(lineNo,
                        "duplicate address " + e.address() + ", first listed on line " + previous);
            }
            endpoints.add(e);
        }
        return endpoints;
    }

    private static Endpoint parseLine(int lineNo, String line) throws MalformedException {
        String[] f = line.split("\\s+");
        if (f.length > 3) {
            throw new MalformedException(lineNo, "expected host:port [weight] [zone], found "
                    + f.length + " fields: " + Quote.quote(line));
        }
        String hostPort = f[0];
        String host;
        String portText;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                throw new MalformedException(lineNo,
                        "expected [ipv6]:port, found " + Quote.quote(hostPort));
            }
            host = hostPort.substring(1, close);
            portText = hostPort.substring(close + 2);
        } else {
            int colon = hostPort.indexOf(':');
            if (colon < 0) {
                throw new MalformedException(lineNo,
                        "expected host:port, found " + Quote.quote(hostPort));
            }
            if (hostPort.indexOf(':', colon + 1) >= 0) {
                throw new MalformedException(lineNo,
                        "IPv6 literals need brackets, as in [::1]:8080; found "
                                + Quote.quote(hostPort));
            }
            host = hostPort.substring(0, colon);
            portText = hostPort.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new MalformedException(lineNo, "empty host in " + Quote.quote(hostPort));
        }
        int port = number(lineNo, "port", portText, 1, 65_535);
        Endpoint.Builder b = Endpoint.builder(host, port);
        int zoneField = 1;
        if (f.length > 1 && f[1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            b.weight(number(lineNo, "weight", f[1], Endpoint.MIN_WEIGHT, Endpoint.MAX_WEIGHT));
            zoneField = 2;
        }
        if (f.length > zoneField + 1) {
            throw new MalformedException(lineNo, "expected host:port [weight] [zone], found "
                    + Quote.quote(line) + " (the weight comes before the zone)");
        }
        if (f.length > zoneField) {
            b.zone(f[zoneField]);
        }
        return b.build();
    }

    private static int number(int lineNo, String field, String text, int min, int max)
            throws MalformedException {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new MalformedException(lineNo, field + " must be an integer in " + min + ".."
                    + max + ", was " + Quote.quote(text));
        }
        int v = Integer.parseInt(text);
        if (v < min || v > max) {
            throw new MalformedException(lineNo,
                    field + " must be in " + min + ".." + max + ", was " + v);
        }
        return v;
    }
}
