package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusRuntimeException;
import io.lbkit.EndpointGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** The {@code lbkit} policy against real grpc-java Netty servers on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LbkitPolicyIntegrationTest {

    /** An upper bound only, generous for a busy 2-core machine; calls normally take ms. */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final TestResources resources = new TestResources();

    private ManagedChannel channel(String target, Map<String, ?> serviceConfig) {
        ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultServiceConfig(serviceConfig)
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    private static Map<String, ?> lbkit(Map<String, ?> policyConfig) {
        return Map.of("loadBalancingConfig", List.of(Map.of("lbkit", policyConfig)));
    }

    /** Calls until every server has answered once, so that every subchannel is READY. */
    private static void warmUp(ManagedChannel ch, EchoServers s) throws InterruptedException {
        EchoServers.await("every server to answer", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return s.all().stream().allMatch(b -> b.calls.get() > 0);
        });
        s.resetCounts();
    }

    private static int[] counts(EchoServers s) {
        return s.all().stream().mapToInt(b -> b.calls.get()).toArray();
    }

    @Test
    void roundRobin_spreadsCallsEvenlyOverThreeServers() throws Exception {
        EchoServers s = resources.servers(3);
        ManagedChannel ch = channel(s.staticTarget(), lbkit(Map.of("strategy", "round_robin")));
        warmUp(ch, s);

        for (int i = 0; i < 300; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }

        // One thread's picks cycle through the endpoints exactly.
        assertEquals("[100, 100, 100]", Arrays.toString(counts(s)));
    }

    @Test
    void weightedRoundRobin_followsWeightsFromTheEndpointGroup() throws Exception {
        EchoServers s = resources.servers(3);
        EndpointGroup group = EndpointGroup.of(
                s.get(0).endpoint(1), s.get(1).endpoint(2), s.get(2).endpoint(3));
        NameResolverProvider provider = LbkitGrpc.nameResolverProvider("lbkit-test-wrr", group);
        NameResolverRegistry.getDefaultRegistry().register(provider);
        resources.add(() -> NameResolverRegistry.getDefaultRegistry().deregister(provider));
        ManagedChannel ch = channel("lbkit-test-wrr:///orders",
                lbkit(Map.of("strategy", "weighted_round_robin")));
        assertEquals("orders", ch.authority());
        warmUp(ch, s);

        for (int i = 0; i < 600; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }

        // 100 full cycles of the smooth schedule with weights 1, 2, 3.
        assertEquals("[100, 200, 300]", Arrays.toString(counts(s)));
    }

    @Test
    void hashHeader_keepsEachUsersCallsOnOneServer() throws Exception {
        EchoServers s = resources.servers(3);
        ManagedChannel ch = channel(s.staticTarget(),
                lbkit(Map.of("strategy", "ring_hash", "hashHeader", "x-user")));
        warmUp(ch, s); // calls without the header: random keys

        java.util.Set<String> usedServers = new java.util.TreeSet<>();
        for (int user = 0; user < 30; user++) {
            io.grpc.Metadata headers = new io.grpc.Metadata();
            headers.put(io.grpc.Metadata.Key.of("x-user", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    "user-" + user);
            io.grpc.Channel userChannel = io.grpc.ClientInterceptors.intercept(ch,
                    io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
            java.util.Set<String> answered = new java.util.TreeSet<>();
            for (int i = 0; i < 10; i++) {
                answered.add(EchoServers.call(userChannel, CALL_DEADLINE));
            }
            assertEquals(1, answered.size(), "user-" + user + " stuck to one server: " + answered);
            usedServers.addAll(answered);
        }
        assertEquals("[s0, s1, s2]", usedServers.toString(), "30 users spread over all three");
    }

    @Test
    void hashKeyCallOption_keepsCallsOnOneServer() throws Exception {
        EchoServers s = resources.servers(3);
        ManagedChannel ch = channel(s.staticTarget(), lbkit(Map.of("strategy", "maglev")));
        warmUp(ch, s);

        java.util.Set<String> answered = new java.util.TreeSet<>();
        for (int i = 0; i < 30; i++) {
            answered.add(io.grpc.stub.ClientCalls.blockingUnaryCall(ch, EchoServers.WHO,
                    io.grpc.CallOptions.DEFAULT.withOption(LbkitGrpc.HASH_KEY, "cart-17")
                            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                    "who"));
        }
        assertEquals(1, answered.size(), answered.toString());
    }

    /**
     * A server stops while four threads call; grpc's retry policy (5 attempts on UNAVAILABLE,
     * and on CANCELLED, which is what a server's shutdownNow() resets open streams with) sends
     * the calls that were on it to the others, so no call fails. Once the server is back
     * on its port, grpc's reconnect (1 s initial back-off) brings its subchannel READY and the
     * policy sends it traffic again.
     */
    @Test
    void serverKilledMidRun_callsKeepSucceedingAndItGetsTrafficBack() throws Exception {
        EchoServers s = resources.servers(3);
        for (EchoServers.Backend b : s.all()) {
            b.delay = Duration.ofMillis(2); // keeps calls in flight when the server dies
        }
        Map<String, Object> config = new LinkedHashMap<>(lbkit(Map.of("strategy", "round_robin")));
        config.put("methodConfig", List.of(Map.of(
                "name", List.of(Map.of("service", "test.Echo")),
                "retryPolicy", Map.of(
                        "maxAttempts", 5.0,
                        "initialBackoff", "0.01s",
                        "maxBackoff", "0.1s",
                        "backoffMultiplier", 2.0,
                        "retryableStatusCodes", List.of("UNAVAILABLE", "CANCELLED")))));
        ManagedChannel ch = channel(s.staticTarget(), config);
        warmUp(ch, s);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        List<StatusRuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        resources.add(callers::shutdownNow);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            running.add(callers.submit(() -> {
                while (!stop.get()) {
                    try {
                        EchoServers.call(ch, CALL_DEADLINE);
                        ok.incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        failures.add(e);
                    }
                }
            }));
        }
        EchoServers.Backend victim = s.get(1);
        EchoServers.await("calls before the kill", WAIT, () -> ok.get() >= 200);
        victim.stop();
        int okAtKill = ok.get();
        EchoServers.await("calls after the kill", WAIT, () -> ok.get() >= okAtKill + 300);
        int othersBeforeRestart = s.get(0).calls.get() + s.get(2).calls.get();

        victim.calls.set(0);
        victim.restart();
        EchoServers.await("traffic to the restarted server", WAIT, () -> victim.calls.get() >= 20);
        stop.set(true);
        for (Future<?> f : running) {
            f.get(10, TimeUnit.SECONDS);
        }

        assertEquals(List.of(), failures.stream().map(e -> e.getStatus().toString()).toList());
        assertTrue(othersBeforeRestart >= 300, "the others served the calls: " + othersBeforeRestart);
        assertTrue(victim.calls.get() >= 20, "restarted server served " + victim.calls.get());
    }

    /**
     * One server answers in 100 ms on average, the other two in 10 ms (each ± 50%, uniformly:
     * real servers vary, and the spread is what separates the percentiles). With peak-EWMA the
     * slow one gets clearly less traffic and the p99 latency is lower than with grpc's own
     * round_robin under the same load (4 threads, 120 calls each). The decay time is 1 s rather than the default
     * 10 s because a run lasts about a second: a latency spike on a fast server (a GC pause, a
     * busy machine) must fade within the run, as it would within 10 s in a long-lived service.
     */
    @Test
    void tenTimesSlowerServer_peakEwmaAvoidsItAndBeatsGrpcRoundRobinAtP99() throws Exception {
        EchoServers s = resources.servers(3);
        for (EchoServers.Backend b : s.all()) {
            b.delay = Duration.ofMillis(10);
            b.jitter = 0.5; // 5..15 ms
        }
        s.get(1).delay = Duration.ofMillis(100); // 50..150 ms

        Run rr = run(s, Map.of("loadBalancingConfig", List.of(Map.of("round_robin", Map.of()))));
        Run ewma = run(s, lbkit(Map.of("strategy", "peak_ewma", "decayTime", "1s")));
        System.out.printf("slow server share / p50 / p99: grpc round_robin %.3f / %.1f ms / %.1f ms,"
                + " lbkit peak_ewma %.3f / %.1f ms / %.1f ms%n",
                rr.slowShare, rr.p50Millis, rr.p99Millis, ewma.slowShare, ewma.p50Millis,
                ewma.p99Millis);

        assertTrue(rr.slowShare > 0.25, "round_robin sends the slow server its third: " + rr);
        assertTrue(ewma.slowShare < rr.slowShare / 3,
                "peak_ewma sends the slow server clearly less: " + ewma + " vs " + rr);
        assertTrue(ewma.p99Millis < rr.p99Millis,
                "peak_ewma p99 below round_robin's: " + ewma + " vs " + rr);
    }

    private static final class Run {
        double slowShare;
        double p50Millis;
        double p99Millis;

        @Override
        public String toString() {
            return String.format("slowShare=%.3f p50=%.1fms p99=%.1fms", slowShare, p50Millis,
                    p99Millis);
        }
    }

    private Run run(EchoServers s, Map<String, ?> serviceConfig) throws Exception {
        ManagedChannel ch = channel(s.staticTarget(), serviceConfig);
        warmUp(ch, s);
        int threads = 4;
        int perThread = 120;
        long[] latencies = new long[threads * perThread];
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                futures.add(callers.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long start = System.nanoTime();
                        EchoServers.call(ch, CALL_DEADLINE);
                        latencies[base + i] = System.nanoTime() - start;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        Arrays.sort(latencies);
        Run r = new Run();
        r.slowShare = s.get(1).calls.get() / (double) latencies.length;
        r.p50Millis = latencies[latencies.length / 2] / 1e6;
        r.p99Millis = latencies[(int) Math.ceil(latencies.length * 0.99) - 1] / 1e6;
        ch.shutdownNow();
        return r;
    }
}
