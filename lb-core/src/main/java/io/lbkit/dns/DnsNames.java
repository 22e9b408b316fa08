package io.lbkit.dns;

import io.lbkit.internal.Hosts;
import io.lbkit.internal.Quote;

/** Validation of the names a user configures. Stateless. */
final class DnsNames {

    private DnsNames() {}

    /**
     * Checks a host name with lbkit's one host grammar ({@link Hosts}): ASCII labels of 1..63
     * letters, digits, '-' or '_', no label starting or ending with '-', at most 253 characters
     * without the optional trailing dot, and not an IP literal.
     *
     * @param field the option name used in messages
     * @return the name without a trailing dot
     * @throws IllegalArgumentException naming the field and the rule broken
     */
    static String checkHostName(String name, String field) {
        return Hosts.dnsName(name, field);
    }

    /**
     * Checks an SRV name of the form {@code _service._proto.name} (RFC 2782).
     *
     * @return the name without a trailing dot
     */
    static String checkSrvName(String name, String field) {
        String n = checkHostName(name, field);
        String[] labels = n.split("\\.");
        if (labels.length < 3 || !labels[0].startsWith("_") || labels[0].length() < 2
                || !labels[1].startsWith("_") || labels[1].length() < 2) {
            throw new IllegalArgumentException(field + " must look like _service._proto.name"
                    + " (RFC 2782), for example _http._tcp.example.com; was " + Quote.quote(name));
        }
        return n;
    }
}
