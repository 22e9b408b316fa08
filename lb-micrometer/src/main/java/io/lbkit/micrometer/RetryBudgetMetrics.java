package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.lbkit.retry.RetryBudget;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;

/**
 * The Micrometer meters of one {@link RetryBudget}: calls counted, retries granted and retries
 * denied, read from the budget's cumulative counts when the registry is scraped. Thread-safe.
 *
 * <pre>{@code
 * RetryBudgetMetrics.of(budget, "orders").bindTo(registry);
 * }</pre>
 *
 * <p>Meters: {@code lbkit.retries} (function counter, tags {@code serviceId} and
 * {@code result=granted|denied}) and {@code lbkit.retry.budget.requests} (function counter, tag
 * {@code serviceId}): the calls whose first attempt the budget counted. The ratio of the two
 * is the share of calls retried; denials say the budget is holding retries back, which happens
 * when a service fails broadly. {@link BalancedHttpClientMetrics} binds one per budget of a
 * {@code BalancedHttpClient}.
 */
public final class RetryBudgetMetrics implements MeterBinder, AutoCloseable {

    private final RetryBudget budget;
    private final String service;
    private final Tags tags;
    private final List<Registered> registered = new ArrayList<>();

    private RetryBudgetMetrics(RetryBudget budget, String service, Iterable<Tag> extra) {
        this.budget = requireNonNull(budget, "budget");
        this.service = LoadBalancerMetrics.checkService(service);
        this.tags = Tags.of("serviceId", service).and(extra);
    }

    /**
     * The meters of {@code budget}, tagged {@code serviceId=service}.
     *
     * @throws IllegalArgumentException if {@code service} is blank
     */
    public static RetryBudgetMetrics of(RetryBudget budget, String service) {
        return new RetryBudgetMetrics(budget, service, Tags.empty());
    }

    /**
     * The meters of {@code budget}, tagged {@code serviceId=service} and {@code tags}.
     *
     * @throws IllegalArgumentException if {@code service} is blank or {@code tags} uses a key
     *     lbkit sets
     */
    public static RetryBudgetMetrics of(RetryBudget budget, String service, Iterable<Tag> tags) {
        return new RetryBudgetMetrics(budget, service, Names.userTags(tags));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if a budget is bound to {@code registry} with the same tags
     *     already
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Names.checkNotBound(registry, "lbkit.retry.budget.requests", tags,
                "a retry budget", "give each its own serviceId");
        List<Meter> meters = new ArrayList<>();
        meters.add(FunctionCounter.builder("lbkit.retries", budget, RetryBudget::retriesGranted)
                .description("Retries the retry budget granted (granted) or refused (denied)")
                .tags(tags).tag("result", "granted").register(registry));
        meters.add(FunctionCounter.builder("lbkit.retries", budget, RetryBudget::retriesDenied)
                .description("Retries the retry budget granted (granted) or refused (denied)")
                .tags(tags).tag("result", "denied").register(registry));
        meters.add(FunctionCounter.builder("lbkit.retry.budget.requests", budget,
                        RetryBudget::requests)
                .description("Calls the retry budget counted (first attempts)")
                .tags(tags).register(registry));
        synchronized (registered) {
            registered.add(new Registered(registry, meters));
        }
    }

    /** Removes this binder's meters from every registry it was bound to. */
    @Override
    public void close() {
        synchronized (registered) {
            for (Registered r : registered) {
                r.meters.forEach(r.registry::remove);
            }
            registered.clear();
        }
    }

    @Override
    public String toString() {
        return "RetryBudgetMetrics[" + service + ", " + budget + "]";
    }

    private static final class Registered {
        final MeterRegistry registry;
        final List<Meter> meters;

        Registered(MeterRegistry registry, List<Meter> meters) {
            this.registry = registry;
            this.meters = meters;
        }
    }
}
