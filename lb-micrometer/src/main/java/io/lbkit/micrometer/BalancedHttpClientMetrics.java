package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.retry.RetryBudget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Micrometer meters of every service of a {@link BalancedHttpClient}: a
 * {@link LoadBalancerMetrics} per service (tagged {@code serviceId} with the service name) and a
 * {@link RetryBudgetMetrics} per retry budget. Thread-safe. Needs lb-httpclient on the class
 * path (or module path).
 *
 * <pre>{@code
 * BalancedHttpClientMetrics.of(http).bindTo(registry);
 * }</pre>
 *
 * <p>A budget shared by all services ({@code BalancedHttpClient.Builder.retryBudget}) is bound
 * once, with {@code serviceId} the service names joined by commas in alphabetical order, so that
 * its retries are not counted once per service. Every attempt of a call, retries included, is a
 * pick of the service's balancer and counts in {@code lbkit.calls}; {@code lbkit.retries} counts
 * the retries, {@code lbkit.retry.budget.requests} the calls.
 */
public final class BalancedHttpClientMetrics implements MeterBinder, AutoCloseable {

    private final List<LoadBalancerMetrics> balancers = new ArrayList<>();
    private final List<RetryBudgetMetrics> budgets = new ArrayList<>();

    private BalancedHttpClientMetrics(Builder b) {
        Tags tags = b.options.tags();
        BalancedHttpClient client = b.client;
        Map<RetryBudget, TreeSet<String>> byBudget = new IdentityHashMap<>();
        for (String service : client.services()) {
            balancers.add(new LoadBalancerMetrics(client.loadBalancer(service).orElseThrow(),
                    service, b.options));
            RetryBudget budget = client.retryBudget(service).orElseThrow();
            byBudget.computeIfAbsent(budget, k -> new TreeSet<>()).add(service);
        }
        byBudget.forEach((budget, services) ->
                budgets.add(RetryBudgetMetrics.of(budget, String.join(",", services), tags)));
    }

    /** The meters of every service of {@code client}, without per-endpoint tags. */
    public static BalancedHttpClientMetrics of(BalancedHttpClient client) {
        return builder(client).build();
    }

    /** A builder for the meters of every service of {@code client}. */
    public static Builder builder(BalancedHttpClient client) {
        return new Builder(client);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        for (LoadBalancerMetrics m : balancers) {
            m.bindTo(registry);
        }
        for (RetryBudgetMetrics m : budgets) {
            m.bindTo(registry);
        }
    }

    /** Stops counting and removes the meters from every registry this was bound to. */
    @Override
    public void close() {
        balancers.forEach(LoadBalancerMetrics::close);
        budgets.forEach(RetryBudgetMetrics::close);
    }

    @Override
    public String toString() {
        return "BalancedHttpClientMetrics" + balancers;
    }

    /**
     * Builds {@link BalancedHttpClientMetrics}. Not thread-safe. Each option may be set once; a
     * second call throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private final BalancedHttpClient client;
        private final MeterOptions options = new MeterOptions();

        private Builder(BalancedHttpClient client) {
            this.client = requireNonNull(client, "client");
        }

        /**
         * Extra tags on every meter; default none; see
         * {@link LoadBalancerMetrics.Builder#tags}.
         */
        public Builder tags(Iterable<Tag> tags) {
            options.tags(tags);
            return this;
        }

        /** Per-endpoint tags on every service's call meters; default false. */
        public Builder endpointTags(boolean on) {
            options.endpointTags(on);
            return this;
        }

        /**
         * A percentile histogram on every service's call timer; default false. See
         * {@link LoadBalancerMetrics.Builder#latencyHistogram}.
         */
        public Builder latencyHistogram(boolean on) {
            options.latencyHistogram(on);
            return this;
        }

        public BalancedHttpClientMetrics build() {
            return new BalancedHttpClientMetrics(this);
        }
    }
}
