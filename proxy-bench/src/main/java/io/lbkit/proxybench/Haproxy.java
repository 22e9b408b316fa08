package io.lbkit.proxybench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An HAProxy process in front of the backends, started and stopped by the benchmark: it writes
 * a config to a temporary directory, runs {@code haproxy -f <cfg> -db} (foreground), waits until
 * its port on 127.0.0.1 accepts connections, and kills it on {@link #close()} or, failing that,
 * from a JVM shutdown hook. Not thread-safe; owned by the thread that started it.
 */
final class Haproxy implements AutoCloseable {

    /** Where {@code apt-get install haproxy} puts it, searched after {@code PATH}. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/local/sbin");

    /** 10 s: HAProxy binds in milliseconds; a cold start on a loaded machine may take longer. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread shutdownHook;

    private Haproxy(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.shutdownHook = new Thread(process::destroyForcibly, "haproxy-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The {@code haproxy} executable on {@code PATH} or in /usr/sbin, /usr/local/sbin. */
    static Optional<Path> find() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, "haproxy");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The HAProxy configuration: HTTP mode, {@code balance roundrobin}, keep-alive on both
     * sides (idle backend connections are reused across client connections, {@code http-reuse
     * safe}), no health checks and no logging, listening on 127.0.0.1:{@code port}.
     *
     * @param port the frontend port
     * @param backendPorts the backends' ports on 127.0.0.1, not empty
     * @param maxConn HAProxy's {@code maxconn}, at least 1
     */
    static String config(int port, List<Integer> backendPorts, int maxConn) {
        if (backendPorts.isEmpty()) {
            throw new IllegalArgumentException("backendPorts must not be empty");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# written by lb-proxy-bench\n")
                .append("global\n")
                .append("    maxconn ").append(maxConn).append('\n')
                .append("defaults\n")
                .append("    mode http\n")
                .append("    option http-keep-alive\n")
                .append("    timeout connect 2s\n")
                .append("    timeout client 30s\n")
                .append("    timeout server 30s\n")
                .append("    timeout http-keep-alive 30s\n")
                .append("frontend bench\n")
                .append("    bind 127.0.0.1:").append(port).append('\n')
                .append("    default_backend backends\n")
                .append("backend backends\n")
                .append("    balance roundrobin\n")
                .append("    http-reuse safe\n");
        for (int i = 0; i < backendPorts.size(); i++) {
            sb.append("    server b").append(i + 1).append(" 127.0.0.1:")
                    .append(backendPorts.get(i)).append('\n');
        }
        return sb.toString();
    }

    /**
     * Starts HAProxy on a free port of 127.0.0.1 in front of {@code backendPorts} and returns
     * once that port accepts connections.
     *
     * @throws IOException if it cannot be started or does not listen within 10 s (the message
     *     holds its output)
     */
    static Haproxy start(Path executable, List<Integer> backendPorts, int maxConn)
            throws IOException, InterruptedException {
        int port = freePort();
        Path dir = Files.createTempDirectory("lb-proxy-bench-");
        Path cfg = dir.resolve("haproxy.cfg");
        Path log = dir.resolve("haproxy.log");
        Files.writeString(cfg, config(port, backendPorts, maxConn), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(executable.toString(), "-f", cfg.toString(), "-db")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Haproxy h = new Haproxy(p, dir, port);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!p.isAlive()) {
                String out = Files.readString(log, StandardCharsets.UTF_8);
                h.close();
                throw new IOException("haproxy exited with status " + p.exitValue() + ":\n" + out);
            }
            if (accepts(port)) {
                return h;
            }
            if (System.nanoTime() > deadline) {
                String out = Files.readString(log, StandardCharsets.UTF_8);
                h.close();
                throw new IOException("haproxy did not listen on 127.0.0.1:" + port + " within "
                        + START_TIMEOUT.toSeconds() + " s:\n" + out);
            }
            Thread.sleep(20); // poll with a deadline: HAProxy has no readiness signal in -db mode
        }
    }

    /** The frontend port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** Whether the process is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** Stops HAProxy (SIGTERM, then SIGKILL after 5 s) and deletes its temporary files. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago. HAProxy cannot be told to bind port 0 and
     * report it, so there is a small window in which another process could take it; start then
     * fails with HAProxy's bind error.
     */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
