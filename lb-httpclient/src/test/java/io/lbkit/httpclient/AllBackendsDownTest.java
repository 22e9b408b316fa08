package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every backend stops: with active TCP checks and panic routing off, calls fail at once with
 * NoEndpointAvailableException; when a backend returns, calls succeed again.
 */
@Timeout(60)
class AllBackendsDownTest {

    private static final HttpRequest GET = HttpRequest.newBuilder(URI.create("http://orders/"))
            .timeout(Duration.ofSeconds(5)).build();

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    private static boolean refusedWithNoEndpoint(HttpClient http) {
        try {
            http.send(GET, BodyHandlers.discarding());
            return false;
        } catch (NoEndpointAvailableException e) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean succeeds(HttpClient http) {
        try {
            return http.send(GET, BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void allDown_failsFastWithNoEndpointAvailable_andRecoversWhenABackendReturns()
            throws Exception {
        try (Backend a = Backend.start("a"); Backend b = Backend.start("b");
                LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(a.endpoint(), b.endpoint()))
                        .healthCheck(HealthCheck.builder(HealthProbe.tcp())
                                .interval(Duration.ofMillis(50)).timeout(Duration.ofMillis(500))
                                .rise(1).fall(1).build())
                        .panicThreshold(0)
                        .build()) {
            HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                    .service("orders", lb).build();
            assertEquals(200, http.send(GET, BodyHandlers.discarding()).statusCode());

            a.stop();
            b.stop();
            await("both backends marked down", () -> refusedWithNoEndpoint(http));

            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                        () -> http.send(GET, BodyHandlers.discarding()));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(NoEndpointAvailableException.Reason.NONE_ELIGIBLE, e.reason());
                assertTrue(tookMillis < 500, "failed fast, in " + tookMillis + " ms");
            }
            ExecutionException async = assertThrows(ExecutionException.class,
                    () -> http.sendAsync(GET, BodyHandlers.discarding()).get(1, TimeUnit.SECONDS));
            assertInstanceOf(NoEndpointAvailableException.class, async.getCause());

            b.restart();
            await("calls succeed again", () -> succeeds(http));
        }
    }
}
