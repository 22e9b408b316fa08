package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Calls through BalancedHttpClient land on three real backends as the strategy says. */
@Timeout(60)
class DistributionTest {

    static Backend[] backends = new Backend[3];
    static HttpClient plain = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            backends[i] = Backend.start("b" + i);
        }
    }

    @AfterAll
    static void stop() {
        for (Backend b : backends) {
            b.close();
        }
    }

    /** Sends {@code calls} sequential GETs; returns the calls each backend received. */
    private static int[] spread(Strategy strategy, int calls, int... weights) throws Exception {
        Endpoint[] endpoints = new Endpoint[3];
        for (int i = 0; i < 3; i++) {
            endpoints[i] = Endpoint.of("127.0.0.1", backends[i].port(), weights[i]);
        }
        int[] before = new int[3];
        for (int i = 0; i < 3; i++) {
            before[i] = backends[i].requests.get();
        }
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(strategy).build()) {
            HttpClient http = BalancedHttpClient.newBuilder(plain).service("orders", lb).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://orders/")).build();
            for (int i = 0; i < calls; i++) {
                assertEquals(200, http.send(get, BodyHandlers.discarding()).statusCode());
            }
        }
        int[] got = new int[3];
        for (int i = 0; i < 3; i++) {
            got[i] = backends[i].requests.get() - before[i];
        }
        return got;
    }

    @Test
    void roundRobin_givesEachBackendExactlyAThird() throws Exception {
        assertEquals(List.of(100, 100, 100),
                Arrays.stream(spread(Strategy.roundRobin(), 300, 1, 1, 1)).boxed().toList());
    }

    @Test
    void weightedRoundRobin_followsTheWeightsExactly() throws Exception {
        assertEquals(List.of(100, 200, 300), Arrays.stream(
                spread(Strategy.weightedRoundRobin(), 600, 1, 2, 3)).boxed().toList());
    }

    @Test
    void leastRequest_spreadsSequentialCallsEvenly() throws Exception {
        int[] got = spread(Strategy.leastRequest(), 1_500, 1, 1, 1);
        for (int g : got) {
            // 500 expected per backend; sd ~18: 5 sd either side
            assertTrue(g > 410 && g < 590, Arrays.toString(got));
        }
    }
}
