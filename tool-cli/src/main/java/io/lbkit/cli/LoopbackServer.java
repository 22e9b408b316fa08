package io.lbkit.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A JDK {@link HttpServer} on 127.0.0.1, on a port the OS chose, whose handler runs on a pool of
 * daemon threads of its own: the backend of the programs' loopback runs (the demo's backends,
 * the HTTP benchmarks' servers). {@link #close()} stops the server and its threads. Thread-safe.
 *
 * <p>The JDK server writes a response's headers and body in separate writes, so each response
 * would wait ~40 ms for the client's delayed ACK: loading this class sets
 * {@code sun.net.httpserver.nodelay} to {@code true} unless it is set already (the JDK reads it
 * once, when its first server is created; a program that created one before loading this class
 * must set it itself).
 */
public final class LoopbackServer implements AutoCloseable {

    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** How long {@link #close()} waits for running handlers to end: they are daemons anyway. */
    private static final long CLOSE_WAIT_SECONDS = 2;

    private final HttpServer server;
    private final ExecutorService threads;

    private LoopbackServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /**
     * Starts a server that passes every request to {@code handler}.
     *
     * @param name the handler threads' name, not null
     * @param threads handler threads, at least 1; or 0 for as many as the requests in progress
     *     (a cached pool, so that no request waits for a thread however long handlers take)
     * @param backlog the listen backlog; 0 or less for the system's default
     * @param handler what answers each request (at path {@code /} and below), not null
     * @throws IOException if the server cannot bind
     */
    public static LoopbackServer start(String name, int threads, int backlog, HttpHandler handler)
            throws IOException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be at least 0, was " + threads);
        }
        ThreadFactory daemons = r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
        ExecutorService pool = threads == 0 ? Executors.newCachedThreadPool(daemons)
                : Executors.newFixedThreadPool(threads, daemons);
        server.createContext("/", handler);
        server.setExecutor(pool);
        server.start();
        return new LoopbackServer(server, pool);
    }

    /**
     * Answers {@code exchange} with {@code status} and {@code body}, after reading the request's
     * body to its end; closes the exchange.
     *
     * @param body the response body, not null; empty for none
     * @throws IOException if the client has gone
     */
    public static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** The port the OS chose. */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Stops the server at once (open exchanges are closed) and its threads, waiting up to
     * {@value #CLOSE_WAIT_SECONDS} s for running handlers to end.
     */
    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
