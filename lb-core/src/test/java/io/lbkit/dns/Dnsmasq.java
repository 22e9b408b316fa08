package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real dnsmasq on 127.0.0.1 for integration tests, authoritative for names under
 * {@code .test} (unknown ones get NXDOMAIN): the test writes its hosts file (A/AAAA),
 * SRV records and TTL; {@link #setHosts} plus {@link #reload()} (SIGHUP) change addresses;
 * {@link #stop()} and {@link #start()} simulate an outage. Not thread-safe.
 *
 * <p>When dnsmasq is not installed, {@link #requireInstalled()} skips the test with a loud
 * message, or fails it when the environment variable CI is "true". The system property
 * {@code lbkit.test.dnsmasq} names the executable explicitly (a missing path simulates absence).
 */
final class Dnsmasq implements AutoCloseable {

    private static final String[] CANDIDATES = {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq",
        "/sbin/dnsmasq", "/usr/local/sbin/dnsmasq", "/opt/homebrew/sbin/dnsmasq"};

    private final Path dir;
    private final Path hosts;
    private final int ttlSeconds;
    private final List<String> srvRecords;
    private final List<String> options = new ArrayList<>();
    private int port;
    private Process process;

    /**
     * @param srvRecords dnsmasq {@code --srv-host} values:
     *     {@code _service._proto.name,target,port,priority,weight}
     */
    Dnsmasq(Path dir, int ttlSeconds, String hostsContent, List<String> srvRecords)
            throws IOException {
        this.dir = dir;
        this.hosts = dir.resolve("hosts");
        this.ttlSeconds = ttlSeconds;
        this.srvRecords = List.copyOf(srvRecords);
        setHosts(hostsContent);
    }

    /** Adds command-line options (for example {@code --server=/bad.test/127.0.0.1#5300}). */
    Dnsmasq options(String... extra) {
        options.addAll(List.of(extra));
        return this;
    }

    /** The dnsmasq executable; skips (or fails in CI) the calling test when there is none. */
    static String requireInstalled() {
        String override = System.getProperty("lbkit.test.dnsmasq"); // to test the skip itself
        if (override != null) {
            if (Files.isExecutable(Path.of(override))) {
                return override;
            }
            return missing();
        }
        for (String c : CANDIDATES) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "dnsmasq"))) {
                return Path.of(d, "dnsmasq").toString();
            }
        }
        return missing();
    }

    private static String missing() {
        String message = "dnsmasq is not installed: the DNS integration tests need it"
                + " (apt-get install dnsmasq-base)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " and CI=true, so this is a failure, not a skip");
        }
        System.err.println("\n*** SKIPPED: " + message + " ***\n");
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Starts dnsmasq on a free port of 127.0.0.1 (the same port again after {@link #stop()}). */
    Dnsmasq start() throws IOException, InterruptedException {
        String exe = requireInstalled();
        for (int attempt = 0; attempt < 5; attempt++) {
            if (port == 0 || attempt > 0) {
                port = freePort();
            }
            List<String> cmd = new ArrayList<>(List.of(exe, "--keep-in-foreground",
                    "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
                    "--local=/test/",
                    "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--addn-hosts=" + hosts, "--local-ttl=" + ttlSeconds, "--pid-file=",
                    "--user=" + System.getProperty("user.name"), "--log-facility=-",
                    "--log-queries"));
            for (String srv : srvRecords) {
                cmd.add("--srv-host=" + srv);
            }
            cmd.addAll(options);
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq.log").toFile())
                    .start();
            if (awaitServing()) {
                return this;
            }
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        throw new IOException("dnsmasq did not start; log: " + log());
    }

    /** Whether dnsmasq answers queries within 5 s; false if the process ended. */
    private boolean awaitServing() throws InterruptedException {
        DnsClient client = new DnsClient(List.of(address()), Duration.ofMillis(100));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                client.exchange(address(), "ready.test", DnsMessage.TYPE_A);
                return true;
            } catch (IOException e) {
                // not listening yet; the 100 ms query timeout paces this loop
            }
        }
        return false;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Replaces the hosts file atomically; dnsmasq reads it on start and on {@link #reload()}. */
    void setHosts(String content) throws IOException {
        Path tmp = dir.resolve("hosts.tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** SIGHUP: dnsmasq clears its cache and re-reads the hosts file. */
    void reload() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Stops the server (SIGTERM) and waits for it to exit. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    String log() {
        try {
            return Files.readString(dir.resolve("dnsmasq.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** A port free for both UDP and TCP on 127.0.0.1 at the time of the call. */
    private static int freePort() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 20; i++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                int p = udp.getLocalPort();
                try (ServerSocket tcp = new ServerSocket(p, 1, lo)) {
                    return p;
                } catch (IOException busy) {
                    // TCP side taken; try another
                }
            }
        }
        throw new IOException("no free port on 127.0.0.1");
    }
}
