package io.lbkit.proxybench;

import io.lbkit.cli.LoopbackServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JDK HTTP server on 127.0.0.1 (a {@link LoopbackServer}) (port chosen by the OS) that answers every request
 * with the same small 200 response and counts what it served. Thread-safe.
 *
 * <p>The JDK server writes headers and body in separate writes; {@link LoopbackServer} turns on
 * {@code sun.net.httpserver.nodelay} so that no response waits ~40 ms for a delayed ACK.
 */
final class Backend implements AutoCloseable {

    private final String name;
    private final LoopbackServer server;
    private final AtomicLong served = new AtomicLong();

    /**
     * Starts a backend.
     *
     * @param name shown in the table
     * @param threads handler threads, at least 1: give it the client concurrency so that no
     *     request queues behind another in the server
     * @param bodyBytes response body size, at least 0
     */
    Backend(String name, int threads, int bodyBytes) throws IOException {
        this.name = name;
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) 'x');
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(nameBytes, 0, body, 0, Math.min(nameBytes.length, body.length));
        server = LoopbackServer.start("backend-" + name, threads, 0, exchange -> {
            // counted before the response leaves, so a client that has its response sees it
            served.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            LoopbackServer.respond(exchange, 200, body);
        });
    }

    String name() {
        return name;
    }

    int port() {
        return server.port();
    }

    /** Responses served so far. */
    long served() {
        return served.get();
    }

    @Override
    public void close() {
        server.close();
    }
}
