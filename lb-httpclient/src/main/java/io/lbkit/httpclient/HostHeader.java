package io.lbkit.httpclient;

/**
 * What a backend sees in the {@code Host} header (HTTP/1.1) or {@code :authority} (HTTP/2) of a
 * request that {@link BalancedHttpClient} routed to one of its endpoints.
 */
public enum HostHeader {

    /**
     * The endpoint's own {@code host:port}, as the rewritten request URI names it (the default):
     * {@code http://orders/items} sent to {@code 10.0.0.5:8080} arrives with
     * {@code Host: 10.0.0.5:8080}. Needs nothing from the JDK.
     */
    ENDPOINT,

    /**
     * The logical authority of the original URI: {@code Host: orders}, for backends that route
     * virtual hosts by name. The JDK forbids setting {@code Host} unless the system property
     * {@code jdk.httpclient.allowRestrictedHeaders} lists {@code host} before the first
     * {@code java.net.http} request of the JVM (for example
     * {@code -Djdk.httpclient.allowRestrictedHeaders=host}); {@link BalancedHttpClient.Builder#build()}
     * checks this and fails when it is not so. The JDK applies it to HTTP/1.1; over HTTP/2 it sends
     * {@code :authority} from the rewritten URI.
     */
    SERVICE
}
