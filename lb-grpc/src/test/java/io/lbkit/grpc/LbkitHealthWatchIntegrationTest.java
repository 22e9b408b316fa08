package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code grpc.health.v1.Health/Watch} in the {@code lbkit} policy, on real grpc-java Netty servers:
 * grpc's own {@link HealthStatusManager} where the server side is the standard one, and
 * {@link EchoServers} where a test needs a server whose health service misbehaves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LbkitHealthWatchIntegrationTest {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger SCHEMES = new AtomicInteger();

    @RegisterExtension
    final TestResources resources = new TestResources();

    private static Map<String, ?> serviceConfig(Map<String, ?> policy) {
        return Map.of("loadBalancingConfig", List.of(Map.of("lbkit", policy)));
    }

    private ManagedChannel channel(String target, Map<String, ?> policy) {
        ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultServiceConfig(serviceConfig(policy))
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    private List<StandardHealthServer> standardServers(int n) throws Exception {
        List<StandardHealthServer> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StandardHealthServer s = new StandardHealthServer("s" + i);
            resources.add(s::stop);
            servers.add(s);
        }
        return servers;
    }

    private static String target(List<StandardHealthServer> servers) {
        StringBuilder sb = new StringBuilder("lbkit:///");
        for (StandardHealthServer s : servers) {
            sb.append(sb.length() == 9 ? "" : ",").append("127.0.0.1:").append(s.port);
        }
        return sb.toString();
    }

    /**
     * The promise of issue 13: a server that grpc's {@code HealthStatusManager} sets NOT_SERVING
     * receives no new call later than 100 ms after {@code setStatus}, under a steady load of 8
     * callers, and no caller sees an error (calls already on it complete). It gets calls again
     * when it serves again.
     */
    @Test
    void notServingServer_getsNoNewCallsWithin100ms() throws Exception {
        List<StandardHealthServer> servers = standardServers(3);
        StandardHealthServer sick = servers.get(1);
        ManagedChannel ch = channel(target(servers),
                Map.of("strategy", "round_robin", "healthCheck", Map.of()));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread caller = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        EchoServers.call(ch, CALL_DEADLINE);
                    } catch (StatusRuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "caller-" + t);
            caller.start();
            callers.add(caller);
        }
        resources.add(() -> {
            stop.set(true);
            for (Thread c : callers) {
                c.join(10_000);
            }
        });
        EchoServers.await("calls on every server", WAIT,
                () -> servers.stream().allMatch(s -> s.calls.get() >= 100));

        long marked = System.nanoTime();
        sick.manager.setStatus("", ServingStatus.NOT_SERVING);
        int othersAtMark = servers.get(0).calls.get() + servers.get(2).calls.get();
        // A second of traffic after the change, and at least 300 calls to the others in it.
        EchoServers.await("a second of calls to the others", WAIT,
                () -> System.nanoTime() - marked >= TimeUnit.SECONDS.toNanos(1)
                        && servers.get(0).calls.get() + servers.get(2).calls.get()
                                >= othersAtMark + 300);
        long lastCall = sick.lastCallNanos.get();
        long afterMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, lastCall - marked));
        System.out.printf("Watch: the NOT_SERVING server's last call arrived %d ms after"
                + " setStatus (%s calls after it); the others got %d calls in the second after%n",
                afterMs, sick.callsAfter(marked),
                servers.get(0).calls.get() + servers.get(2).calls.get() - othersAtMark);
        assertTrue(afterMs <= 100, "the last call reached the NOT_SERVING server " + afterMs
                + " ms after setStatus");
        assertEquals(0, failures.get(), "failed calls");

        sick.manager.setStatus("", ServingStatus.SERVING);
        int before = sick.calls.get();
        EchoServers.await("calls to the server serving again", WAIT,
                () -> sick.calls.get() >= before + 100);
        assertEquals(0, failures.get(), "failed calls");
    }

    /**
     * A server NOT_SERVING when the channel connects never gets a call: a READY subchannel joins
     * only once its Watch answered SERVING, as in grpc's own health checking.
     */
    @Test
    void serverNotServingFromTheStart_neverGetsACall() throws Exception {
        List<StandardHealthServer> servers = standardServers(3);
        servers.get(2).manager.setStatus("", ServingStatus.NOT_SERVING);
        ManagedChannel ch = channel(target(servers),
                Map.of("strategy", "round_robin", "healthCheck", Map.of()));

        for (int i = 0; i < 300; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals(0, servers.get(2).calls.get());
        assertEquals(300, servers.get(0).calls.get() + servers.get(1).calls.get());
        assertEquals(1, servers.get(2).openWatches.get(), "its health is watched all along");
    }

    /**
     * When every server is NOT_SERVING the channel is in TRANSIENT_FAILURE: calls fail at once
     * with UNAVAILABLE naming the health answer, instead of waiting for their deadline; calls
     * flow again when one server serves.
     */
    @Test
    void everyServerNotServing_callsFailFastNamingTheHealthAnswer() throws Exception {
        List<StandardHealthServer> servers = standardServers(2);
        ManagedChannel ch = channel(target(servers),
                Map.of("strategy", "round_robin", "healthCheck", Map.of()));
        EchoServers.call(ch, CALL_DEADLINE);
        for (StandardHealthServer s : servers) {
            s.manager.setStatus("", ServingStatus.NOT_SERVING);
        }
        StatusRuntimeException[] failure = {null};
        EchoServers.await("a call to fail", WAIT, () -> {
            try {
                EchoServers.call(ch, CALL_DEADLINE);
                return false;
            } catch (StatusRuntimeException e) {
                failure[0] = e;
                return true;
            }
        });
        Status status = failure[0].getStatus();
        assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
        assertTrue(status.getDescription().contains("not serving")
                && status.getDescription().contains("NOT_SERVING"), status.getDescription());
        // grpc publishes the picker, then the state: a call may fail just before the state turns.
        EchoServers.await("the channel in TRANSIENT_FAILURE", WAIT,
                () -> ch.getState(false) == io.grpc.ConnectivityState.TRANSIENT_FAILURE);

        servers.get(1).manager.setStatus("", ServingStatus.SERVING);
        EchoServers.await("calls to the server serving again", WAIT, () -> {
            try {
                return EchoServers.call(ch, CALL_DEADLINE).equals("s1");
            } catch (StatusRuntimeException e) {
                return false; // the new picker is on its way
            }
        });
    }

    /** Watch asks about the configured service, as Check does. */
    @Test
    void watch_asksAboutTheConfiguredService() throws Exception {
        List<StandardHealthServer> servers = standardServers(2);
        for (StandardHealthServer s : servers) {
            s.manager.setStatus("test.Echo", ServingStatus.SERVING);
        }
        servers.get(0).manager.setStatus("test.Echo", ServingStatus.NOT_SERVING);
        ManagedChannel ch = channel(target(servers), Map.of("strategy", "round_robin",
                "healthCheck", Map.of("serviceName", "test.Echo")));

        for (int i = 0; i < 100; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals(0, servers.get(0).calls.get());
        assertEquals(100, servers.get(1).calls.get());
    }

    /**
     * The Watch stream of a subchannel that goes away (its endpoint left the group) is cancelled,
     * and so are the others when the channel shuts down: no stream outlives its subchannel, and a
     * graceful shutdown does not wait for streams that would never end.
     */
    @Test
    void watchStreams_areCancelledWhenTheSubchannelGoesAwayAndWhenTheChannelShutsDown()
            throws Exception {
        List<StandardHealthServer> servers = standardServers(3);
        DynamicEndpointGroup group = EndpointGroup.dynamic();
        resources.add(group::close);
        List<Endpoint> all = new ArrayList<>();
        for (StandardHealthServer s : servers) {
            all.add(Endpoint.of("127.0.0.1", s.port));
        }
        group.set(all);
        NameResolverProvider provider = LbkitGrpc.nameResolverProvider(
                "lbkit-test-watch" + SCHEMES.incrementAndGet(), group);
        NameResolverRegistry.getDefaultRegistry().register(provider);
        resources.add(() -> NameResolverRegistry.getDefaultRegistry().deregister(provider));
        ManagedChannel ch = Grpc.newChannelBuilder(provider.getDefaultScheme() + ":///orders",
                        InsecureChannelCredentials.create())
                .defaultServiceConfig(serviceConfig(Map.of("healthCheck", Map.of())))
                .build();
        resources.add(ch::shutdownNow);
        EchoServers.call(ch, CALL_DEADLINE);
        EchoServers.await("a Watch stream per server", WAIT,
                () -> servers.stream().allMatch(s -> s.openWatches.get() == 1));

        group.set(List.of(all.get(0), all.get(1)));
        EchoServers.await("the removed server's stream to be cancelled", WAIT,
                () -> servers.get(2).openWatches.get() == 0);
        assertEquals(1, servers.get(0).openWatches.get());
        assertEquals(1, servers.get(1).openWatches.get());

        // grpc delays the shutdown of a removed subchannel by 5 s (for calls of older pickers);
        // the others shut down at once. A stream left open would keep its transport forever.
        ch.shutdown();
        boolean terminated = ch.awaitTermination(20, TimeUnit.SECONDS);
        assertTrue(terminated, "graceful shutdown finished; open Watch streams: "
                + servers.stream().map(s -> s.openWatches.get()).collect(Collectors.toList()));
        EchoServers.await("every stream to be cancelled", WAIT,
                () -> servers.stream().allMatch(s -> s.openWatches.get() == 0));
        assertEquals(1, servers.get(2).watchCalls.get(), "no stream reopened after removal");
    }

    /**
     * A server whose health service has no Watch ({@code UNIMPLEMENTED}, here one with only
     * Check) is polled with Health/Check instead: NOT_SERVING by Check takes it out.
     */
    @Test
    void watchUnimplemented_fallsBackToCheckPolling() throws Exception {
        EchoServers s = resources.servers(3);
        EchoServers.Backend sick = s.get(1);
        sick.health = 2; // NOT_SERVING by Check; Watch is UNIMPLEMENTED (watchable false)
        s.get(0).watchable = true;
        s.get(2).watchable = true;
        ManagedChannel ch = channel(s.staticTarget(), Map.of("strategy", "round_robin",
                "healthCheck", Map.of("interval", "0.1s", "fall", 1.0, "rise", 1.0)));

        EchoServers.await("Check polls of the server without Watch", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return sick.healthChecks.get() >= 3;
        });
        s.resetCounts();
        for (int i = 0; i < 300; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals(0, sick.calls.get(), "the NOT_SERVING server without Watch");
        assertEquals(300, s.get(0).calls.get() + s.get(2).calls.get());
        assertTrue(sick.watchCalls.get() >= 1, "Watch was tried first");
        assertEquals(0, s.get(0).healthChecks.get() + s.get(2).healthChecks.get(),
                "servers with Watch are not polled");

        sick.health = 1;
        EchoServers.await("calls to the server serving again", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return sick.calls.get() >= 10;
        });
    }

    /**
     * A Watch stream that the server ends after answering is reopened at once (grpc's rule: it
     * had an answer, so no back-off), and the server is out only until the new stream answers.
     */
    @Test
    void watchStreamEndedAfterAnAnswer_isReopenedAtOnce() throws Exception {
        EchoServers s = resources.servers(2);
        for (EchoServers.Backend b : s.all()) {
            b.watchable = true;
        }
        EchoServers.Backend b = s.get(1);
        ManagedChannel ch = channel(s.staticTarget(),
                Map.of("strategy", "round_robin", "healthCheck", Map.of()));
        EchoServers.await("calls to both servers", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return b.calls.get() > 0 && b.openWatches() == 1;
        });

        long closed = System.nanoTime();
        b.closeWatches(Status.UNAVAILABLE.withDescription("health service restarting"));
        EchoServers.await("a second Watch stream", WAIT, () -> b.openWatches() == 1);
        long reopenedMs = TimeUnit.NANOSECONDS.toMillis(
                new ArrayList<>(b.watchArrivals).get(1) - closed);
        assertTrue(reopenedMs < 800, "reopened after " + reopenedMs
                + " ms; the back-off's shortest delay is 800 ms");
        assertEquals(2, b.watchCalls.get());
        int before = b.calls.get();
        EchoServers.await("calls to the server again", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return b.calls.get() > before + 5;
        });
    }

    /**
     * A Watch that fails without an answer is retried with grpc's back-off (1 s, then 1.6 s, each
     * ± 20 %); the server gets no call meanwhile, and serves again once a Watch answers.
     */
    @Test
    void watchFailingWithoutAnswer_isRetriedWithBackoff() throws Exception {
        EchoServers s = resources.servers(2);
        for (EchoServers.Backend b : s.all()) {
            b.watchable = true;
        }
        EchoServers.Backend b = s.get(1);
        b.watchFailure = Status.INTERNAL.withDescription("health service broken");
        ManagedChannel ch = channel(s.staticTarget(),
                Map.of("strategy", "round_robin", "healthCheck", Map.of()));

        EchoServers.await("three Watch attempts", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return b.watchCalls.get() >= 3;
        });
        List<Long> at = new ArrayList<>(b.watchArrivals);
        double first = (at.get(1) - at.get(0)) / 1e9;
        double second = (at.get(2) - at.get(1)) / 1e9;
        assertTrue(first >= 0.79 && first < 3, "first retry after " + first + " s");
        assertTrue(second >= 1.27 && second < 4, "second retry after " + second + " s");
        assertEquals(0, b.calls.get(), "no call while its health is unknown");

        b.watchFailure = null;
        EchoServers.await("calls once a Watch answers", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return b.calls.get() > 5;
        });
    }
}
