package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.cli.LoopbackServer;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code BalancedHttpClient} against the plain {@code HttpClient} it wraps, both calling one JDK
 * {@code HttpServer} backend on 127.0.0.1 in the same run: the adapter's overhead per call.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar 'HttpClientOverheadBenchmark.side' -t 4
 * java -jar jmh/target/benchmarks.jar 'HttpClientOverheadBenchmark.together'
 * }</pre>
 *
 * <p>The {@code side} pair runs the two clients one after the other, each with all threads. On
 * a 2-core machine its iterations drift by more than the difference being measured, so the
 * {@code together} group runs them at the same time instead: 2 threads on the plain client and 2
 * on the balanced one, sharing the machine, the server and its noise. Each iteration then yields
 * the two throughputs side by side, and their ratio is the overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HttpClientOverheadBenchmark {

    private static final byte[] BODY = "ok".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private LoopbackServer server;
    private HttpClient plain;
    private HttpClient balanced;
    private HttpRequest direct;
    private HttpRequest logical;

    @Setup
    public void setUp() throws IOException {
        server = LoopbackServer.start("backend", 4, 256,
                exchange -> LoopbackServer.respond(exchange, 200, BODY));
        int port = server.port();
        plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("127.0.0.1", port)))
                .strategy(Strategy.roundRobin()).build();
        balanced = BalancedHttpClient.newBuilder(
                        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build())
                .service("backend", lb).build();
        direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build();
        logical = HttpRequest.newBuilder(URI.create("http://backend/x")).build();
    }

    @TearDown
    public void tearDown() {
        server.close();
    }

    @Benchmark
    public int sidePlain() throws IOException, InterruptedException {
        return plain.send(direct, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Benchmark
    public int sideBalanced() throws IOException, InterruptedException {
        return balanced.send(logical, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Benchmark
    @Group("together")
    @GroupThreads(2)
    public int togetherPlain() throws IOException, InterruptedException {
        return plain.send(direct, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Benchmark
    @Group("together")
    @GroupThreads(2)
    public int togetherBalanced() throws IOException, InterruptedException {
        return balanced.send(logical, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
