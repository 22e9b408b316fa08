package io.lbkit.sim;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Routes through a real lbkit {@link LoadBalancer} over a {@link DynamicEndpointGroup}, with the
 * simulation's clock as its ticker and scheduler. Confined to the simulation thread.
 */
final class LbkitRouter implements Router {

    private final DynamicEndpointGroup group;
    private final LoadBalancer lb;
    private final IntFunction<Server> serverByPort;
    private final String name;
    private long ejections;

    /**
     * @param initial the servers in the group when the balancer starts (at full weight)
     * @param serverByPort the simulated server behind an endpoint's port
     */
    LbkitRouter(String name, Strategy strategy, BalancerOptions options, SimClock clock,
            List<Server> initial, IntFunction<Server> serverByPort) {
        this.name = name;
        this.group = EndpointGroup.dynamic(
                initial.stream().map(s -> s.endpoint).toArray(Endpoint[]::new));
        this.serverByPort = serverByPort;
        LoadBalancer.Builder b = LoadBalancer.builder(group)
                .strategy(strategy)
                .ticker(clock)
                .scheduler(clock)
                .outlierDetection(options.outlierDetection()
                        ? OutlierDetection.ofDefaults() : OutlierDetection.disabled())
                .healthListener(this::onHealthEvent);
        if (options.slowStart() != null) {
            b.slowStart(options.slowStart());
        }
        if (options.activeChecks()) {
            // The default check (every 2 s, rise 2, fall 3) with a probe that sees whether the
            // simulated host answers at all.
            b.healthCheck(HealthCheck.of(endpoint -> CompletableFuture.completedFuture(
                    serverByPort.apply(endpoint.port()).mode != Server.Mode.DEAD)));
        }
        this.lb = b.build();
    }

    private void onHealthEvent(HealthEvent event) {
        if (event.type() == HealthEvent.Type.EJECTED) {
            ejections++;
        }
    }

    @Override
    public Server route(Call call) {
        Pick pick;
        try {
            pick = lb.pick();
        } catch (NoEndpointAvailableException e) {
            return null;
        }
        call.pick = pick;
        return serverByPort.apply(pick.endpoint().port());
    }

    @Override
    public void report(Call call, boolean success, long latencyNanos) {
        if (success) {
            call.pick.onSuccess(latencyNanos);
        } else {
            call.pick.onFailure(latencyNanos);
        }
    }

    @Override
    public void join(Server server) {
        group.add(server.endpoint);
    }

    @Override
    public void leave(Server server) {
        group.remove(server.endpoint);
    }

    @Override
    public long ejections() {
        return ejections;
    }

    /** The balancer, for inspection in tests. */
    LoadBalancer balancer() {
        return lb;
    }

    @Override
    public void close() {
        lb.close();
        group.close();
    }

    @Override
    public String toString() {
        return name;
    }

    /** How the balancer is configured beyond its strategy. */
    record BalancerOptions(boolean outlierDetection, io.lbkit.health.SlowStart slowStart,
            boolean activeChecks) {
        static final BalancerOptions DEFAULTS = new BalancerOptions(true, null, false);

        BalancerOptions withSlowStart(Duration window) {
            return new BalancerOptions(outlierDetection, io.lbkit.health.SlowStart.of(window),
                    activeChecks);
        }
    }
}
