package io.lbkit.dns;

import static java.util.Objects.requireNonNull;

/** Validation of the names a user configures. Stateless. */
final class DnsNames {

    private DnsNames() {}

    /**
     * Checks a host name: ASCII labels of 1..63 letters, digits, '-' or '_', at most 253
     * characters without the optional trailing dot, and not an IP literal.
     *
     * @param field the option name used in messages
     * @return the name without a trailing dot
     * @throws IllegalArgumentException naming the field and the rule broken
     */
    static String checkHostName(String name, String field) {
        requireNonNull(name, field);
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            throw new IllegalArgumentException(field + " must be a DNS name, was \"" + name + "\"");
        }
        if (n.indexOf(':') >= 0 || n.matches("[0-9.]+")) {
            throw new IllegalArgumentException(field + " must be a DNS name, was the IP literal "
                    + name + "; use EndpointGroup.of(...) for fixed addresses");
        }
        if (n.length() > 253) {
            throw new IllegalArgumentException(field + " must be at most 253 characters, was "
                    + n.length() + ": " + name);
        }
        for (String label : n.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > DnsMessage.MAX_LABEL_OCTETS) {
                throw new IllegalArgumentException(field + " must consist of labels of 1..63"
                        + " characters, was \"" + name + "\"");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok) {
                    throw new IllegalArgumentException(field + " may contain only ASCII letters,"
                            + " digits, '-', '_' and '.' (convert international names with"
                            + " java.net.IDN.toASCII), was \"" + name + "\"");
                }
            }
        }
        return n;
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
                    + " (RFC 2782), for example _http._tcp.example.com, was \"" + name + "\"");
        }
        return n;
    }
}
