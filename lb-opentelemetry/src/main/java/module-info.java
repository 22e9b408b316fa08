/**
 * lbkit for OpenTelemetry (automatic module {@code io.opentelemetry.api}): the metrics of load
 * balancers, retry budgets and every service of a {@code BalancedHttpClient} (which needs
 * lb-httpclient) through the OpenTelemetry metrics API, {@link io.lbkit.opentelemetry.LbkitTelemetry}.
 * Depends on lb-core and opentelemetry-api; the application brings the SDK or the agent.
 */
module io.lbkit.opentelemetry {
    requires transitive io.lbkit.core;
    requires transitive io.opentelemetry.api;
    requires static transitive io.lbkit.httpclient;

    exports io.lbkit.opentelemetry;
}
