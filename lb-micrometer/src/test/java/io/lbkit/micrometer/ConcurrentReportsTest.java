package io.lbkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several threads pick and report at once: the meters end at exactly what was reported. */
class ConcurrentReportsTest {

    private static final int THREADS = 4;
    private static final int CALLS = 20_000;

    @Test
    void concurrentReports_countExactly_andNothingStaysInFlight() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("10.0.0.1", 80),
                        Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.3", 80)))
                .outlierDetection(OutlierDetection.disabled()).build()) {
            LoadBalancerMetrics.builder(lb, "orders").endpointTags(true).build().bindTo(registry);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < CALLS; i++) {
                        Pick p = lb.pick();
                        switch (i % 3) {
                            case 0 -> p.onSuccess(1_000);
                            case 1 -> p.onFailure(2_000);
                            default -> p.release();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            long perOutcome = (long) THREADS * ((CALLS + 2) / 3);
            long released = (long) THREADS * (CALLS / 3);
            var ok = registry.get("lbkit.calls").tags("outcome", "success").functionTimers()
                    .stream().filter(m -> m.getId().getTag("endpoint") == null).findFirst()
                    .orElseThrow();
            assertEquals(perOutcome, (long) ok.count());
            assertEquals(perOutcome * 1_000, (long) ok.totalTime(TimeUnit.NANOSECONDS));
            double failures = registry.get("lbkit.calls").tags("outcome", "failure")
                    .functionTimers().stream().filter(m -> m.getId().getTag("endpoint") == null)
                    .mapToDouble(m -> m.count()).sum();
            assertEquals((long) THREADS * ((CALLS + 1) / 3), (long) failures);
            double releasedAggregate = registry.get("lbkit.calls.released").functionCounters().stream()
                    .filter(m -> m.getId().getTag("endpoint") == null)
                    .mapToDouble(m -> m.count()).sum();
            assertEquals(released, (long) releasedAggregate);
            double perEndpoint = registry.get("lbkit.calls").tags("outcome", "success")
                    .functionTimers().stream().filter(m -> m.getId().getTag("endpoint") != null)
                    .mapToDouble(m -> m.count()).sum();
            assertEquals(perOutcome, (long) perEndpoint, "the endpoint series add up");
            assertEquals(0, registry.get("lbkit.calls.active").gauge().value());
        } finally {
            pool.shutdownNow();
        }
    }
}
