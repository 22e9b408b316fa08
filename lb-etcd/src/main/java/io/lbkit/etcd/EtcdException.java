package io.lbkit.etcd;

import java.io.IOException;

/**
 * A failed exchange with etcd: no member answered, or a member refused the request (bad
 * credentials, a lease that does not exist, ...). Its message names the request, the members
 * tried and etcd's own error text.
 */
public final class EtcdException extends IOException {

    private static final long serialVersionUID = 1L;

    /** etcd's gRPC status code, -1 when the failure was not an answer from etcd. */
    private final int code;

    EtcdException(String message, int code) {
        super(message);
        this.code = code;
    }

    EtcdException(String message, Throwable cause) {
        super(message, cause);
        this.code = -1;
    }

    /**
     * The gRPC status code of etcd's answer (5 NOT_FOUND for a lost lease, 16 UNAUTHENTICATED,
     * ...), or -1 when no member answered.
     */
    public int code() {
        return code;
    }
}
