package io.lbkit.dns;

import java.io.IOException;

/**
 * Thrown when bytes received from a nameserver are not a well-formed DNS message, or break one of
 * the parser's bounds (a compression pointer that does not point backward, a name longer than
 * 255 octets, a label longer than 63, section counts that cannot fit in the message, record data
 * that overruns its length). The only exception {@link DnsMessage#parse} throws.
 */
final class MalformedDnsMessageException extends IOException {

    private static final long serialVersionUID = 1L;

    MalformedDnsMessageException(String message) {
        super(message);
    }
}
