package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;

/**
 * dnsmasq on 127.0.0.1 serving the zone {@code .test} from a hosts file (A records, TTL 1 s)
 * and {@code --srv-host} records. Addresses change with {@link #hosts} (SIGHUP re-reads the
 * file); SRV records change with {@link #srv}, which restarts dnsmasq on the same port, since
 * dnsmasq reads them from its command line only. Not thread-safe.
 *
 * <p>Without dnsmasq the calling test is skipped, or fails when the environment variable CI is
 * "true" (CI must run it: {@code apt-get install dnsmasq-base}).
 */
final class LocalDnsmasq implements AutoCloseable {

    private final Path dir;
    private final Path hostsFile;
    private List<String> srvRecords = List.of();
    private int port;
    private Process process;
    private int starts;

    LocalDnsmasq(Path dir) throws IOException {
        this.dir = dir;
        this.hostsFile = dir.resolve("hosts");
        Files.writeString(hostsFile, "");
    }

    private static String executable() {
        for (String c : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        String message = "dnsmasq is not installed (apt-get install dnsmasq-base)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + "; CI=true, so the DNS tests must run");
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    int port() {
        return port;
    }

    /** Replaces the A records: lines of {@code ip name}. Takes effect at once when running. */
    LocalDnsmasq hosts(String... lines) throws IOException, InterruptedException {
        Path tmp = dir.resolve("hosts.tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, hostsFile, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        if (process != null && process.isAlive()) {
            Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
            if (!hup.waitFor(5, TimeUnit.SECONDS) || hup.exitValue() != 0) {
                throw new IOException("kill -HUP " + process.pid() + " failed");
            }
        }
        return this;
    }

    /**
     * Replaces the SRV records ({@code _service._proto.name,target,port,priority,weight}) and
     * restarts dnsmasq on its port when running.
     */
    LocalDnsmasq srv(String... records) throws IOException, InterruptedException {
        srvRecords = List.of(records);
        if (process != null) {
            stop();
            start();
        }
        return this;
    }

    LocalDnsmasq start() throws IOException, InterruptedException {
        if (port == 0) {
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
        }
        starts++;
        Path log = dir.resolve("dnsmasq-" + starts + ".log");
        List<String> cmd = new ArrayList<>(List.of(executable(), "--keep-in-foreground",
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
                "--local=/test/", "--port=" + port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--addn-hosts=" + hostsFile, "--local-ttl=1",
                "--pid-file=", "--user=" + System.getProperty("user.name"), "--log-facility=-"));
        for (String r : srvRecords) {
            cmd.add("--srv-host=" + r);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(log).contains("started")) {
            if (!process.isAlive() || System.nanoTime() - end > 0) {
                throw new IOException("dnsmasq did not start: " + Files.readString(log));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polls the log
        }
        return this;
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
