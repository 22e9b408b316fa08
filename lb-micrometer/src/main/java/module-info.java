/**
 * lbkit for Micrometer (automatic module {@code micrometer.core}): meters for load balancers ({@link io.lbkit.micrometer.LoadBalancerMetrics}),
 * retry budgets ({@link io.lbkit.micrometer.RetryBudgetMetrics}) and every service of a
 * {@code BalancedHttpClient} ({@link io.lbkit.micrometer.BalancedHttpClientMetrics}, which needs
 * lb-httpclient). Depends on lb-core and micrometer-core.
 */
module io.lbkit.micrometer {
    requires transitive io.lbkit.core;
    requires transitive micrometer.core;
    requires static transitive io.lbkit.httpclient;

    exports io.lbkit.micrometer;
}
