package io.lbkit.httpclient;

import java.net.ConnectException;

/**
 * An endpoint whose address java.net.http cannot send to (its host is not one java.net.URI
 * accepts). A {@link ConnectException}: nothing was sent, so the call is retried on another
 * endpoint, and the endpoint is reported as failed, so outlier detection ejects it.
 */
final class UnusableAddressException extends ConnectException {

    private static final long serialVersionUID = 1L;

    UnusableAddressException(String message) {
        super(message);
    }
}
