package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.strategy.Strategy;
import java.util.List;

/**
 * Picks one endpoint of an {@link EndpointGroup} per call. Thread-safe; {@link #pick()} is
 * lock-free and allocates nothing.
 *
 * <p>The balancer follows its group: each snapshot becomes an immutable routing table, published
 * with one volatile write, that picks read. Per-endpoint state (calls in flight, latency,
 * success and failure counts) is kept by {@linkplain Endpoint#address() address}, so it survives
 * updates that keep the address.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080),
 *                                                         Endpoint.of("10.0.0.2", 8080)))
 *         .strategy(Strategy.leastRequest())
 *         .build();
 * Pick pick = lb.pick();
 * long start = System.nanoTime();
 * try {
 *     call(pick.endpoint());
 *     pick.onSuccess(System.nanoTime() - start);
 * } catch (IOException e) {
 *     pick.onFailure(System.nanoTime() - start);
 * }
 * }</pre>
 */
public interface LoadBalancer extends AutoCloseable {

    /** A builder for a balancer over the given group. */
    static Builder builder(EndpointGroup group) {
        return new Builder(group);
    }

    /** A balancer over the given group with the default strategy, {@link Strategy#leastRequest()}. */
    static LoadBalancer of(EndpointGroup group) {
        return builder(group).build();
    }

    /**
     * Chooses an endpoint for one call and counts the call as in flight on it. Report the outcome
     * on the returned {@link Pick} exactly once.
     *
     * <p>Hash strategies pick with a random key here; use {@link #pick(long)} for stickiness.
     *
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick();

    /**
     * Chooses an endpoint for a call with the given key. Hash strategies map equal keys to the
     * same endpoint while the routing table stays the same; other strategies ignore the key.
     *
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick(long key);

    /** The state of every endpoint of the current snapshot, in the group's order. */
    List<EndpointStats> stats();

    /** The group this balancer follows. */
    EndpointGroup group();

    /**
     * Stops following the group; later picks fail with {@link NoEndpointAvailableException.Reason#CLOSED}.
     * Does not close the group. Idempotent.
     */
    @Override
    void close();

    /**
     * Builds a {@link LoadBalancer}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value.
     */
    final class Builder {
        private final EndpointGroup group;
        private Strategy strategy;
        private Ticker ticker;

        private Builder(EndpointGroup group) {
            this.group = requireNonNull(group, "group");
        }

        /** The strategy; default {@link Strategy#leastRequest()}. */
        public Builder strategy(Strategy strategy) {
            requireNonNull(strategy, "strategy");
            if (this.strategy != null) {
                throw new IllegalStateException("strategy was already set to " + this.strategy);
            }
            this.strategy = strategy;
            return this;
        }

        /** The time source for latency tracking; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            requireNonNull(ticker, "ticker");
            if (this.ticker != null) {
                throw new IllegalStateException("ticker was already set to " + this.ticker);
            }
            this.ticker = ticker;
            return this;
        }

        /**
         * Builds the balancer and subscribes it to the group; if the group is ready, the first
         * routing table is built before this returns.
         */
        public LoadBalancer build() {
            return new DefaultLoadBalancer(group,
                    strategy != null ? strategy : Strategy.leastRequest(),
                    ticker != null ? ticker : Ticker.system());
        }
    }
}
