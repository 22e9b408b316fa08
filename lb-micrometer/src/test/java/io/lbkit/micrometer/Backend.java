package io.lbkit.micrometer;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JDK HttpServer on loopback that answers every request with one status and counts them, and
 * answers its health checks ({@code /health}, not counted) with 200 until told to fail them.
 */
final class Backend implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger served = new AtomicInteger();
    private volatile boolean healthFailing;

    Backend(int status) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                served.incrementAndGet();
                byte[] body = (status == 200 ? "ok" : "unavailable").getBytes();
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.createContext("/health", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(healthFailing ? 503 : 200, -1);
            }
        });
        server.start();
    }

    /** From now on, health checks get 503 (the calls still get their status). */
    void failHealthChecks() {
        healthFailing = true;
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", server.getAddress().getPort());
    }

    /** Requests answered so far. */
    int served() {
        return served.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
