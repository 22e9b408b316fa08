package io.lbkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

// The imports the README's snippet needs:
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.opentelemetry.LbkitTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/** The README's OpenTelemetry snippet, compiled and run. */
class DocExampleTest {

    @Test
    void readmeSnippet_bindsTheBalancerAndTheClient() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build()) {
            OpenTelemetry openTelemetry = sdk;
            LoadBalancer orders = LoadBalancer.of(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080)));
            LoadBalancer users = LoadBalancer.of(EndpointGroup.of(Endpoint.of("10.0.0.2", 8080)));
            BalancedHttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                    .service("users", users)
                    .build();

            // README: one line per balancer, or one for every service of a BalancedHttpClient
            LbkitTelemetry telemetry = LbkitTelemetry.create(openTelemetry);
            telemetry.bind(orders, "orders");
            telemetry.bind(http);

            Metrics m = new Metrics(reader.collectAllMetrics());
            assertEquals(2, m.metric("lbkit.endpoint.count").getLongSumData().getPoints()
                    .stream().filter(p -> p.getValue() == 1).count(), "orders and users healthy");
            orders.close();
            users.close();
        }
    }
}
