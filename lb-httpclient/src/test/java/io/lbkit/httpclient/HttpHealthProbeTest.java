package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthStatus;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HttpHealthProbeTest {

    private final HttpClient plain = HttpClient.newHttpClient();

    @Test
    void probe_isHealthyOn2xx_unhealthyOn503_andFailsWhenRefused() throws Exception {
        try (Backend backend = Backend.start("a")) {
            HttpHealthProbe probe = HttpHealthProbe.of(plain);
            assertTrue(probe.check(backend.endpoint()).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
            assertEquals("127.0.0.1:" + backend.port(), backend.lastHost.get());
            backend.status = 503;
            assertFalse(probe.check(backend.endpoint()).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
            backend.stop();
            assertThrows(ExecutionException.class, () -> probe.check(backend.endpoint())
                    .toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void healthCheck_marksAnEndpointDownOn503AndUpWhenItRecovers() throws Exception {
        try (Backend a = Backend.start("a"); Backend b = Backend.start("b");
                LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(a.endpoint(), b.endpoint()))
                        .healthCheck(HealthCheck.builder(HttpHealthProbe.builder(plain)
                                        .path("/health?deep=1").build())
                                .interval(Duration.ofMillis(50)).rise(1).fall(1).build())
                        .build()) {
            b.status = 503;
            awaitHealth(lb, 1, HealthStatus.DOWN);
            assertEquals(HealthStatus.HEALTHY, lb.stats().get(0).health());
            b.status = 200;
            awaitHealth(lb, 1, HealthStatus.HEALTHY);
        }
    }

    private static void awaitHealth(LoadBalancer lb, int index, HealthStatus status) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        EndpointStats s = lb.stats().get(index);
        while (s.health() != status) {
            assertTrue(System.nanoTime() < deadline, "still " + s);
            Thread.onSpinWait();
            s = lb.stats().get(index);
        }
    }

    @Test
    void builder_rejectsBadValuesNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpHealthProbe.builder(plain).path("health"));
        assertTrue(e.getMessage().contains("path must start with '/'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HttpHealthProbe.builder(plain).timeout(Duration.ZERO));
        assertTrue(e.getMessage().contains("timeout must be in 1 ms..1 min"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> HttpHealthProbe.builder(plain).scheme("https").scheme("http"));
    }
}
