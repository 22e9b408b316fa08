package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** Outlier detection and grpc.health.v1 checks of the {@code lbkit} policy, on real servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LbkitHealthIntegrationTest {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final TestResources resources = new TestResources();

    private ManagedChannel channel(EchoServers s, Map<String, ?> policyConfig) {
        ManagedChannel ch = Grpc.newChannelBuilder(s.staticTarget(),
                        InsecureChannelCredentials.create())
                .defaultServiceConfig(Map.of("loadBalancingConfig",
                        List.of(Map.of("lbkit", policyConfig))))
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    /** Calls until {@code backend} went without a call for {@code window} calls in a row. */
    private static void callUntilAvoided(ManagedChannel ch, EchoServers.Backend backend, int window)
            throws InterruptedException {
        int[] quiet = {0};
        int[] seen = {backend.calls.get()};
        EchoServers.await(backend + " to receive no calls", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            int now = backend.calls.get();
            quiet[0] = now == seen[0] ? quiet[0] + 1 : 0;
            seen[0] = now;
            return quiet[0] >= window;
        });
    }

    private static int[] counts(EchoServers s) {
        return s.all().stream().mapToInt(b -> b.calls.get()).toArray();
    }

    /**
     * Every call to one server fails with UNAVAILABLE: after 5 in a row (the default
     * consecutiveFailures) outlier detection ejects it, and for its ejection time (30 s by
     * default) it gets no more calls.
     */
    @Test
    void serverFailingEveryCall_isEjectedByOutlierDetection() throws Exception {
        EchoServers s = resources.servers(3);
        EchoServers.Backend bad = s.get(1);
        bad.failWith = Status.UNAVAILABLE.withDescription("always down");
        ManagedChannel ch = channel(s, Map.of("strategy", "round_robin"));

        List<Status.Code> failures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            try {
                EchoServers.call(ch, CALL_DEADLINE);
            } catch (StatusRuntimeException e) {
                failures.add(e.getStatus().getCode());
            }
        }

        assertEquals(5, bad.calls.get(), "ejected after 5 consecutive failures");
        assertEquals(List.of(Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE,
                Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE),
                failures);
        assertEquals(295, s.get(0).calls.get() + s.get(2).calls.get());
    }

    /**
     * A server whose grpc.health.v1 status is NOT_SERVING is marked DOWN by the first check
     * ({@code fall} 1) and then receives no calls; when it reports SERVING again it is marked UP
     * ({@code rise} 1) and receives calls again.
     */
    @Test
    void notServingServer_receivesNoCallsUntilItServesAgain() throws Exception {
        EchoServers s = resources.servers(3);
        EchoServers.Backend sick = s.get(1);
        sick.health = 2; // NOT_SERVING
        ManagedChannel ch = channel(s, Map.of("strategy", "round_robin",
                "healthCheck", Map.of("serviceName", "test.Echo", "interval", "0.1s",
                        "fall", 1.0, "rise", 1.0)));

        callUntilAvoided(ch, sick, 60); // round robin would have sent it 20 of those
        assertTrue(sick.healthChecks.get() > 0, "the server was asked");
        s.resetCounts();
        for (int i = 0; i < 300; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals(0, sick.calls.get(), Arrays.toString(counts(s)));
        assertEquals(300, s.get(0).calls.get() + s.get(2).calls.get());

        sick.health = 1; // SERVING
        EchoServers.await("calls to the recovered server", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return sick.calls.get() >= 10;
        });
    }

    /** A server without the health service cannot be judged by it: it keeps its traffic. */
    @Test
    void serverWithoutHealthService_isTreatedAsHealthy() throws Exception {
        EchoServers s = resources.servers(3);
        EchoServers.Backend plain = s.get(1);
        plain.health = 0; // answers UNIMPLEMENTED
        ManagedChannel ch = channel(s, Map.of("strategy", "round_robin",
                "healthCheck", Map.of("interval", "0.1s", "fall", 1.0)));

        EchoServers.await("three health checks of the plain server", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return plain.healthChecks.get() >= 3 && s.all().stream().allMatch(b -> b.calls.get() > 0);
        });
        s.resetCounts();
        for (int i = 0; i < 300; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals("[100, 100, 100]", Arrays.toString(counts(s)));
    }
}
