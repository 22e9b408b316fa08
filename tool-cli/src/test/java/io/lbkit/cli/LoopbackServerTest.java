package io.lbkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Against the server on loopback, with the JDK's java.base HTTP client (HttpURLConnection). */
class LoopbackServerTest {

    @Test
    void respond_sendsStatusAndBody_afterReadingTheRequestBody() throws Exception {
        byte[] body = "fast-1".getBytes(StandardCharsets.UTF_8);
        try (LoopbackServer server = LoopbackServer.start("test-backend", 2, 0,
                ex -> LoopbackServer.respond(ex, 503, body))) {
            HttpURLConnection c = open(server);
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write("a request body".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(503, c.getResponseCode());
            assertEquals("fast-1", read(c.getErrorStream()));
        }
    }

    @Test
    void respond_withAnEmptyBody_sendsNoBody() throws Exception {
        try (LoopbackServer server = LoopbackServer.start("test-backend", 0, 0,
                ex -> LoopbackServer.respond(ex, 200, new byte[0]))) {
            HttpURLConnection c = open(server);
            assertEquals(200, c.getResponseCode());
            assertEquals(null, c.getHeaderField("Transfer-Encoding"), "not chunked");
            assertEquals("", read(c.getInputStream()));
        }
    }

    @Test
    void handler_runsOnTheNamedDaemonThreads() throws Exception {
        try (LoopbackServer server = LoopbackServer.start("test-backend", 1, 0, ex -> {
            Thread t = Thread.currentThread();
            LoopbackServer.respond(ex, 200,
                    (t.getName() + " " + t.isDaemon()).getBytes(StandardCharsets.UTF_8));
        })) {
            assertEquals("test-backend true", read(open(server).getInputStream()));
        }
    }

    @Test
    void close_stopsListening() throws Exception {
        LoopbackServer server = LoopbackServer.start("test-backend", 1, 0,
                ex -> LoopbackServer.respond(ex, 200, new byte[] {'x'}));
        HttpURLConnection c = open(server);
        server.close();
        assertThrows(ConnectException.class, c::getResponseCode);
    }

    @Test
    void start_refusesNegativeThreads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoopbackServer.start("x", -1, 0, ex -> { }));
        assertEquals("threads must be at least 0, was -1", e.getMessage());
    }

    private static HttpURLConnection open(LoopbackServer server) throws IOException {
        return (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + "/x").toURL()
                .openConnection();
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
