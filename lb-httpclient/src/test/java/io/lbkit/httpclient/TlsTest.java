package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS stays verified when requests are rewritten: a CA made in the test signs one certificate for
 * {@code orders} and {@code localhost} and one for {@code wrong.example}; JDK HttpsServers serve
 * them on loopback; the client trusts only the CA.
 */
@Timeout(60)
class TlsTest {

    @TempDir
    static Path dir;
    static Backend good;
    static Backend wrong;
    static HttpClient plain;

    @BeforeAll
    static void pki() throws Exception {
        Map<String, SSLContext> pki = TestPki.create(dir,
                new String[] {"good", "orders", "localhost"},
                new String[] {"wrong", "wrong.example"});
        good = Backend.startTls("good", pki.get("good"));
        wrong = Backend.startTls("wrong", pki.get("wrong"));
        SSLContext trustCa = pki.get("client");
        plain = HttpClient.newBuilder().sslContext(trustCa)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        good.close();
        wrong.close();
    }

    private static HttpResponse<String> call(Endpoint endpoint) throws Exception {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(endpoint))) {
            HttpClient http = BalancedHttpClient.newBuilder(plain).service("orders", lb).build();
            return http.send(HttpRequest.newBuilder(URI.create("https://orders/tls")).build(),
                    BodyHandlers.ofString());
        }
    }

    @Test
    void ipEndpoint_acceptsACertificateForTheServiceName() throws Exception {
        HttpResponse<String> r = call(Endpoint.of("127.0.0.1", good.port()));
        assertEquals(200, r.statusCode());
        assertEquals("good", r.body());
        assertEquals("127.0.0.1", r.uri().getHost());
    }

    @Test
    void ipEndpoint_rejectsACertificateForAnotherName() {
        IOException e = assertThrows(IOException.class,
                () -> call(Endpoint.of("127.0.0.1", wrong.port())));
        assertInstanceOf(SSLHandshakeException.class, e, e.toString());
    }

    @Test
    void namedEndpoint_isVerifiedAgainstItsOwnName() throws Exception {
        assertEquals("good", call(Endpoint.of("localhost", good.port())).body());
        IOException e = assertThrows(IOException.class,
                () -> call(Endpoint.of("localhost", wrong.port())));
        assertInstanceOf(SSLHandshakeException.class, e, e.toString());
    }

    @Test
    void ipEndpoint_withoutBalancing_wouldNotVerify() {
        // The control: the same server reached by IP with the plain client fails verification,
        // so the success above is the service-name check, not a lax trust manager.
        IOException e = assertThrows(IOException.class, () -> plain.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + good.port() + "/")).build(),
                BodyHandlers.ofString()));
        assertInstanceOf(SSLHandshakeException.class, e, e.toString());
    }
}
