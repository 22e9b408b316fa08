package io.lbkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

// The imports the README's snippet needs:
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.micrometer.BalancedHttpClientMetrics;
import io.lbkit.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/** The README's Micrometer snippet, compiled and run. */
class DocExampleTest {

    @Test
    void readmeSnippet_bindsTheBalancerAndTheClient() {
        MeterRegistry registry = new SimpleMeterRegistry();
        LoadBalancer orders = LoadBalancer.of(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080)));
        LoadBalancer users = LoadBalancer.of(EndpointGroup.of(Endpoint.of("10.0.0.2", 8080)));
        BalancedHttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                .service("users", users)
                .build();

        // README: one line per balancer, or one for every service of a BalancedHttpClient
        LoadBalancerMetrics.of(orders, "orders").bindTo(registry);
        BalancedHttpClientMetrics.of(http).bindTo(registry);

        assertEquals(1, registry.get("lbkit.endpoints").tags("serviceId", "orders",
                "state", "healthy").gauge().value());
        assertEquals(1, registry.get("lbkit.endpoints").tags("serviceId", "users",
                "state", "healthy").gauge().value());
        assertEquals(0, registry.get("lbkit.retries").tags("serviceId", "users",
                "result", "granted").functionCounter().count());
        orders.close();
        users.close();
    }
}
