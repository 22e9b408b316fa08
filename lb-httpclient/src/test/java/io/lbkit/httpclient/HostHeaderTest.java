package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What backends see as Host. This test JVM runs with
 * {@code -Djdk.httpclient.allowRestrictedHeaders=host} (see the pom), which
 * {@link HostHeader#SERVICE} needs.
 */
@Timeout(30)
class HostHeaderTest {

    @Test
    void serviceHostHeader_sendsTheLogicalAuthority_endpointHostHeaderTheEndpoint()
            throws Exception {
        try (Backend backend = Backend.start("a");
                LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(backend.endpoint()))) {
            HttpClient plain = HttpClient.newHttpClient();
            HttpClient logical = BalancedHttpClient.newBuilder(plain).service("orders", lb)
                    .hostHeader(HostHeader.SERVICE).build();
            logical.send(HttpRequest.newBuilder(URI.create("http://orders/")).build(),
                    BodyHandlers.discarding());
            assertEquals("orders", backend.lastHost.get());
            logical.send(HttpRequest.newBuilder(URI.create("http://Orders:8080/")).build(),
                    BodyHandlers.discarding());
            assertEquals("Orders:8080", backend.lastHost.get());

            HttpClient endpoint = BalancedHttpClient.newBuilder(plain).service("orders", lb)
                    .build();
            endpoint.send(HttpRequest.newBuilder(URI.create("http://orders/")).build(),
                    BodyHandlers.discarding());
            assertEquals("127.0.0.1:" + backend.port(), backend.lastHost.get());
        }
    }
}
