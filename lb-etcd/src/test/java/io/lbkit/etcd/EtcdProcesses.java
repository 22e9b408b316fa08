package io.lbkit.etcd;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * Real etcd servers on 127.0.0.1 for integration tests: one member or a cluster of several,
 * each with its data in the test's temp dir and on ports picked free; members can be killed
 * (SIGKILL) and started again on the same ports and data. {@link #etcdctl} runs the real
 * command-line client against the live members. Not thread-safe.
 *
 * <p>When etcd is not installed, {@link #requireInstalled()} skips the test with a loud message,
 * or fails it when the environment variable CI is "true" (.ci/run installs etcd-server then).
 */
final class EtcdProcesses implements AutoCloseable {

    private static final String[] DIRS = {"/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"};
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();

    private final Path dir;
    private final List<String> extraArgs;
    private final List<Member> members = new ArrayList<>();
    /** Set for TLS: the server certificate (also the CA etcdctl and the probes trust). */
    private Path tlsCert;
    private HttpClient probe = HTTP;

    private EtcdProcesses(Path dir, List<String> extraArgs) {
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /**
     * A started single-member etcd serving clients over TLS only, with {@code cert} and
     * {@code key} (PEM); {@code trust} is an SSLContext that trusts {@code cert}.
     */
    static EtcdProcesses singleTls(Path dir, Path cert, Path key, javax.net.ssl.SSLContext trust)
            throws IOException, InterruptedException {
        requireInstalled();
        EtcdProcesses e = new EtcdProcesses(dir.resolve("etcd-tls"),
                List.of("--cert-file=" + cert, "--key-file=" + key));
        e.tlsCert = cert;
        e.probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).sslContext(trust).build();
        e.members.add(e.new Member("m0", freePort(), freePort()));
        try {
            e.members.get(0).start();
            e.members.get(0).awaitHealthy(Duration.ofSeconds(20));
        } catch (IOException x) {
            e.close();
            throw x;
        }
        return e;
    }

    /** A started single-member etcd, with extra command-line flags if given. */
    static EtcdProcesses single(Path dir, String... extraArgs) throws IOException, InterruptedException {
        return cluster(dir, 1, extraArgs);
    }

    /** A started cluster of {@code size} members on loopback. */
    static EtcdProcesses cluster(Path dir, int size, String... extraArgs)
            throws IOException, InterruptedException {
        requireInstalled();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a picked port may be taken meanwhile
            EtcdProcesses e = new EtcdProcesses(dir.resolve("etcd-" + attempt), List.of(extraArgs));
            for (int i = 0; i < size; i++) {
                e.members.add(e.new Member("m" + i, freePort(), freePort()));
            }
            try {
                for (Member m : e.members) {
                    m.start();
                }
                for (Member m : e.members) {
                    m.awaitHealthy(Duration.ofSeconds(20));
                }
                return e;
            } catch (IOException x) {
                last = x;
                e.close();
            }
        }
        throw last;
    }

    /** The etcd executable; skips (or fails in CI) the calling test when there is none. */
    static String requireInstalled() {
        return find("etcd");
    }

    private static String find(String name) {
        for (String d : DIRS) {
            if (Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        String message = name + " is not installed: the etcd integration tests need it"
                + " (apt-get install etcd-server etcd-client)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " and CI=true, so this is a failure, not a skip");
        }
        System.err.println("\n*** SKIPPED: " + message + " ***\n");
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    Member member(int i) {
        return members.get(i);
    }

    List<Member> members() {
        return members;
    }

    /** The client URLs of all members, for {@link EtcdClient#builder(String...)}. */
    String[] clientUrls() {
        return members.stream().map(Member::clientUrl).toArray(String[]::new);
    }

    /** A client of every member with short timeouts, for tests. */
    EtcdClient client() {
        return EtcdClient.builder(clientUrls())
                .requestTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofMillis(500))
                .build();
    }

    /** Runs etcdctl against the members that are running; returns its output, or fails. */
    String etcdctl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(find("etcdctl"), "--endpoints=" + String.join(",",
                members.stream().filter(Member::isRunning).map(Member::clientUrl).toList()),
                "--dial-timeout=2s", "--command-timeout=5s"));
        if (tlsCert != null) {
            cmd.add("--cacert=" + tlsCert);
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("etcdctl " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    /** {@code etcdctl put key value}. */
    void put(String key, String value) throws IOException, InterruptedException {
        etcdctl("put", "--", key, value);
    }

    /** {@code etcdctl del key}. */
    void delete(String key) throws IOException, InterruptedException {
        etcdctl("del", "--", key);
    }

    /** The value of a key, or null when there is none. */
    String get(String key) throws IOException, InterruptedException {
        String out = etcdctl("get", "--print-value-only", "--", key).strip();
        return out.isEmpty() ? null : out;
    }

    /** The store's current revision. */
    long revision() throws IOException, InterruptedException {
        String out = etcdctl("endpoint", "status", "--write-out=json");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"revision\":(\\d+)")
                .matcher(out);
        if (!m.find()) {
            throw new IOException("no revision in " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /** Kills every member and deletes nothing (the temp dir goes with the test). */
    @Override
    public void close() {
        for (Member m : members) {
            m.kill();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code condition} every millisecond until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** One member. */
    final class Member {
        final String name;
        final int clientPort;
        final int peerPort;
        private Process process;
        private volatile boolean frozen;

        Member(String name, int clientPort, int peerPort) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
        }

        String clientUrl() {
            return (tlsCert != null ? "https" : "http") + "://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }

        /** Alive and not frozen: etcdctl talks to running members only. */
        boolean isRunning() {
            return process != null && process.isAlive() && !frozen;
        }

        /**
         * SIGSTOP: the member freezes with its connections open, as a hung process or a silent
         * network cut looks to its clients: no reset, no answers.
         */
        void freeze() throws IOException, InterruptedException {
            signal("-STOP");
            frozen = true;
        }

        /** SIGCONT: a frozen member runs again. */
        void thaw() throws IOException, InterruptedException {
            signal("-CONT");
            frozen = false;
        }

        private void signal(String sig) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", sig, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("kill " + sig + " " + process.pid() + " failed");
            }
        }

        /** Starts the member (again, after {@link #kill()}: same ports, same data). */
        void start() throws IOException {
            Path data = dir.resolve(name);
            Files.createDirectories(dir);
            StringBuilder initial = new StringBuilder();
            for (Member m : members) {
                initial.append(initial.length() == 0 ? "" : ",").append(m.name).append('=')
                        .append(m.peerUrl());
            }
            List<String> cmd = new ArrayList<>(List.of(requireInstalled(), "--name=" + name,
                    "--data-dir=" + data,
                    "--listen-client-urls=" + clientUrl(), "--advertise-client-urls=" + clientUrl(),
                    "--listen-peer-urls=" + peerUrl(), "--initial-advertise-peer-urls=" + peerUrl(),
                    "--initial-cluster=" + initial, "--initial-cluster-state=new",
                    "--initial-cluster-token=lbkit-test-" + dir.getFileName(),
                    "--logger=zap", "--log-outputs=stderr"));
            cmd.addAll(extraArgs);
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve(name + ".log").toFile()))
                    .start();
        }

        /** Waits until the member reports itself healthy (it has a leader). */
        void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() - end < 0) {
                if (!process.isAlive()) {
                    throw new IOException("etcd " + name + " exited: " + log());
                }
                try {
                    HttpResponse<String> r = probe.send(HttpRequest.newBuilder(
                            URI.create(clientUrl() + "/health")).timeout(Duration.ofSeconds(1))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            throw new IOException("etcd " + name + " not healthy within " + timeout + ": " + log());
        }

        /** Deletes the member's data (after {@link #kill()}): it starts again as a new cluster. */
        void wipe() throws IOException {
            Path data = dir.resolve(name);
            if (Files.exists(data)) {
                try (var paths = Files.walk(data)) {
                    for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }

        /** SIGKILL: the member dies at once, as in a crash; its data stays. */
        void kill() {
            if (process != null) {
                if (frozen) {
                    try {
                        thaw(); // a stopped process dies of SIGKILL too, but let it go cleanly
                    } catch (IOException | InterruptedException e) {
                        // SIGKILL follows anyway
                    }
                }
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private String log() {
            try {
                String s = Files.readString(dir.resolve(name + ".log"));
                return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
