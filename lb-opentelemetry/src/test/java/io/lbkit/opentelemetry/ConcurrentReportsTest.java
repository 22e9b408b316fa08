package io.lbkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several threads pick and report at once: the instruments end at exactly what was reported. */
class ConcurrentReportsTest {

    private static final int THREADS = 4;
    private static final int CALLS = 20_000;

    @Test
    void concurrentReports_recordExactly_andNothingStaysInFlight() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build();
                LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(
                                Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80)))
                        .outlierDetection(OutlierDetection.disabled()).build()) {
            LbkitTelemetry.builder(sdk).durationHistogram(true).build().bind(lb, "orders");
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < CALLS; i++) {
                        Pick p = lb.pick();
                        switch (i % 3) {
                            case 0 -> p.onSuccess(1_000_000);
                            case 1 -> p.onFailure(2_000_000);
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
            Attributes orders = Attributes.of(AttributeKey.stringKey("service.peer.name"),
                    "orders");
            Metrics m = new Metrics(reader.collectAllMetrics());
            var ok = m.histogram("lbkit.call.duration", orders.toBuilder()
                    .put("lbkit.call.outcome", "success").build());
            assertEquals((long) THREADS * ((CALLS + 2) / 3), ok.getCount());
            assertEquals(THREADS * ((CALLS + 2) / 3) * 0.001, ok.getSum(), 1e-6);
            assertEquals((long) THREADS * ((CALLS + 1) / 3), m.histogram("lbkit.call.duration",
                    orders.toBuilder().put("lbkit.call.outcome", "failure").build()).getCount());
            assertEquals((long) THREADS * (CALLS / 3), m.longValue("lbkit.call.released", orders));
            assertEquals(ok.getCount(), m.longValue("lbkit.call.count", orders.toBuilder()
                    .put("lbkit.call.outcome", "success").build()), "the core's counts agree");
            assertEquals(ok.getSum(), m.doubleValue("lbkit.call.time", orders.toBuilder()
                    .put("lbkit.call.outcome", "success").build()), 1e-6);
            assertEquals(0, m.longValue("lbkit.call.active", orders));
        } finally {
            pool.shutdownNow();
        }
    }
}
