package io.lbkit.dns;

import java.io.IOException;

/** No nameserver gave a usable answer (timeouts, SERVFAIL, REFUSED, malformed TCP replies). */
final class DnsQueryException extends IOException {

    private static final long serialVersionUID = 1L;

    DnsQueryException(String message) {
        super(message);
    }
}
