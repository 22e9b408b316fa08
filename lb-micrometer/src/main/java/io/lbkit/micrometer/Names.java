package io.lbkit.micrometer;

import java.util.Set;

/** The tag keys lbkit's meters set themselves. */
final class Names {
    static final Set<String> RESERVED =
            Set.of("serviceId", "outcome", "reason", "type", "state", "endpoint", "result");

    private Names() {}
}
