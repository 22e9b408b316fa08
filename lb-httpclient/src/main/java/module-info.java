/**
 * lbkit for {@code java.net.http}: a {@link java.net.http.HttpClient} that spreads calls to
 * logical services over lbkit load balancers, with safe retries. Depends on lb-core and the JDK.
 */
module io.lbkit.httpclient {
    requires transitive io.lbkit.core;
    requires transitive java.net.http;

    exports io.lbkit.httpclient;
}
