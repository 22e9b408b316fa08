package io.lbkit.httpclient;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.lbkit.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A JDK HttpServer on 127.0.0.1 for tests: answers {@code 200 <name>}, or a status set with
 * {@link #status}; counts requests, records the request ids ({@code x-id} header) it received and
 * the last Host header. Can be stopped abruptly and restarted on the same port.
 */
final class Backend implements AutoCloseable {

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's
        // algorithm and delayed ACKs hold every response ~40 ms on loopback.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    final String name;
    private final SSLContext tls; // null: plain HTTP
    private volatile HttpServer server;
    private volatile int port;
    /**
     * Threads for the responses that {@link #hold} streams (they block until the latch opens);
     * every other exchange runs on the server's dispatcher thread, as with the JDK's default
     * executor, so that a backend adds no thread handoff per request (its speed was not
     * measured apart: MultiFaultTest's throughput at 256 concurrent calls was about the same
     * with an 8-thread pool).
     */
    private final ExecutorService holding = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backend-hold");
        t.setDaemon(true);
        return t;
    });
    private final Executor executor = task -> {
        if (this.hold != null) {
            holding.execute(task);
        } else {
            task.run();
        }
    };
    /** The exchanges left unanswered while {@link #hang hanging}, closed by {@link #unhang}. */
    private final Queue<HttpExchange> parked = new ConcurrentLinkedQueue<>();
    final AtomicInteger requests = new AtomicInteger();
    final Map<String, Integer> ids = new ConcurrentHashMap<>();
    final AtomicReference<String> lastHost = new AtomicReference<>();
    final AtomicReference<String> lastBody = new AtomicReference<>();
    volatile int status = 200;
    /** When set, responses stream: one byte, then the rest once the latch opens. */
    volatile java.util.concurrent.CountDownLatch hold;
    private volatile boolean hanging;

    private Backend(String name, SSLContext tls) {
        this.name = name;
        this.tls = tls;
    }

    static Backend start(String name) throws IOException {
        Backend b = new Backend(name, null);
        b.bind(0);
        return b;
    }

    static Backend startTls(String name, SSLContext tls) throws IOException {
        Backend b = new Backend(name, tls);
        b.bind(0);
        return b;
    }

    private void bind(int p) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), p);
        HttpServer s;
        if (tls != null) {
            HttpsServer https = HttpsServer.create(address, 1024);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            s = https;
        } else {
            s = HttpServer.create(address, 1024);
        }
        s.createContext("/", this::handle);
        s.setExecutor(executor);
        s.start();
        server = s;
        port = s.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        if (hanging) {
            parked.add(exchange); // no answer, and no thread held: the dispatcher goes on
            if (!hanging) {
                unhang(); // raced with unhang(): do not leave this one behind
            }
            return;
        }
        String id = exchange.getRequestHeaders().getFirst("x-id");
        if (id != null) {
            ids.merge(id, 1, Integer::sum);
        }
        lastHost.set(exchange.getRequestHeaders().getFirst("Host"));
        try (InputStream in = exchange.getRequestBody()) {
            lastBody.set(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        java.util.concurrent.CountDownLatch h = hold;
        if (h != null) {
            exchange.sendResponseHeaders(status, 0); // chunked
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
                out.flush();
                h.await();
                out.write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * From now on the server accepts connections and reads requests but never answers them (a
     * hung server), until {@link #unhang}.
     */
    void hang() {
        hanging = true;
    }

    /** Answers again; the requests left unanswered get their connections closed. */
    void unhang() {
        hanging = false;
        for (HttpExchange e; (e = parked.poll()) != null; ) {
            e.close();
        }
    }

    int port() {
        return port;
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", port);
    }

    /** Closes the listener and every open connection at once. */
    void stop() {
        server.stop(0);
    }

    /** Listens again on the same port. */
    void restart() throws IOException {
        bind(port);
    }

    @Override
    public void close() {
        unhang();
        server.stop(0);
        holding.shutdownNow();
    }
}
