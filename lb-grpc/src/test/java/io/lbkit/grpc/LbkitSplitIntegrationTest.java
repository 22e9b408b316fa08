package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code lbkit} policy's traffic split on real grpc-java Netty servers on 127.0.0.1:
 * servers labelled {@code track=stable} or {@code track=canary} through an lbkit endpoint group.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LbkitSplitIntegrationTest {

    /** An upper bound only, generous for a busy 2-core machine; calls normally take ms. */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger SCHEMES = new AtomicInteger();
    private static final Metadata.Key<String> X_CANARY =
            Metadata.Key.of("x-canary", Metadata.ASCII_STRING_MARSHALLER);

    @RegisterExtension
    final TestResources resources = new TestResources();

    private static Endpoint tracked(EchoServers.Backend b, String track) {
        return Endpoint.builder(b.host, b.port).attribute("track", track).build();
    }

    /** A channel over {@code endpoints} through a resolver of a fresh scheme. */
    private ManagedChannel channel(List<Endpoint> endpoints, Map<String, ?> policyConfig) {
        NameResolverProvider provider = LbkitGrpc.nameResolverProvider(
                "lbkit-test-split" + SCHEMES.incrementAndGet(), EndpointGroup.of(endpoints));
        return channel(provider, Map.of("loadBalancingConfig",
                List.of(Map.of("lbkit", policyConfig))));
    }

    private ManagedChannel channel(NameResolverProvider provider, Map<String, ?> serviceConfig) {
        NameResolverRegistry.getDefaultRegistry().register(provider);
        resources.add(() -> NameResolverRegistry.getDefaultRegistry().deregister(provider));
        ManagedChannel ch = Grpc.newChannelBuilder(provider.getDefaultScheme() + ":///orders",
                        InsecureChannelCredentials.create())
                .defaultServiceConfig(serviceConfig)
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    private static Map<String, ?> split(int stableWeight, int canaryWeight) {
        return Map.of("strategy", "least_request", "split", Map.of(
                "attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", (double) stableWeight),
                        Map.of("name", "canary", "weight", (double) canaryWeight)),
                "header", "x-canary",
                "values", Map.of("1", "canary")));
    }

    private static Channel withCanaryHeader(Channel ch) {
        Metadata headers = new Metadata();
        headers.put(X_CANARY, "1");
        return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Calls (header-routed to the canary, and not) until every server answered once. */
    private static void warmUp(ManagedChannel ch, EchoServers s) throws InterruptedException {
        Channel canary = withCanaryHeader(ch);
        EchoServers.await("every server to answer", WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            EchoServers.call(canary, CALL_DEADLINE);
            return s.all().stream().allMatch(b -> b.calls.get() > 0);
        });
        s.resetCounts();
    }

    /** The names of the servers that answered {@code n} calls, with how often. */
    private static Map<String, Integer> answers(Channel ch, int n) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.merge(EchoServers.call(ch, CALL_DEADLINE), 1, Integer::sum);
        }
        return out;
    }

    private static int sum(Map<String, Integer> answers, String... names) {
        int n = 0;
        for (String name : names) {
            n += answers.getOrDefault(name, 0);
        }
        return n;
    }

    /**
     * 95/5 split, s0 and s1 stable, s2 and s3 canary. Header-routed calls all reach the canary
     * (both of its servers); 2,000 calls without the header send the canary a binomial share:
     * mean 100, standard deviation sqrt(2000 * 0.05 * 0.95) = 9.7; the test allows 5 standard
     * deviations either way (a false failure about once in 1.7 million runs).
     */
    @Test
    void headerRoutedCalls_allReachTheCanary_othersSplitByWeight() throws Exception {
        EchoServers s = resources.servers(4);
        ManagedChannel ch = channel(List.of(tracked(s.get(0), "stable"), tracked(s.get(1), "stable"),
                tracked(s.get(2), "canary"), tracked(s.get(3), "canary")), split(95, 5));
        warmUp(ch, s);

        Map<String, Integer> routed = answers(withCanaryHeader(ch), 200);
        assertEquals(Set.of("s2", "s3"), routed.keySet(), routed.toString());

        int n = 2000;
        double p = 0.05;
        Map<String, Integer> unrouted = answers(ch, n);
        int canary = sum(unrouted, "s2", "s3");
        double sd = Math.sqrt(n * p * (1 - p));
        System.out.printf("95/5 split, %d calls without the header: %s, canary share %.4f%n", n,
                unrouted, canary / (double) n);
        assertTrue(Math.abs(canary - n * p) <= 5 * sd,
                "canary took " + canary + " of " + n + ", expected " + n * p + " +- " + 5 * sd
                        + ": " + unrouted);
        assertEquals(Set.of("s0", "s1", "s2", "s3"), unrouted.keySet(), unrouted.toString());
    }

    @Test
    void weightZeroCanary_getsNoUnroutedCalls_butHeaderRoutedOnesStillReachIt() throws Exception {
        EchoServers s = resources.servers(3);
        ManagedChannel ch = channel(List.of(tracked(s.get(0), "stable"), tracked(s.get(1), "stable"),
                tracked(s.get(2), "canary")), split(100, 0));
        warmUp(ch, s);

        Map<String, Integer> unrouted = answers(ch, 300);
        assertEquals(Set.of("s0", "s1"), unrouted.keySet(), unrouted.toString());
        assertEquals(Map.of("s2", 50), answers(withCanaryHeader(ch), 50));
    }

    /**
     * The canary's only server is down: header-routed calls fail at once with UNAVAILABLE
     * (never wait for their deadline), calls without the header all succeed on stable.
     */
    @Test
    void canaryWithoutReadyEndpoint_failsHeaderRoutedCallsFast_othersSucceedOnStable()
            throws Exception {
        EchoServers s = resources.servers(3);
        List<Endpoint> endpoints = List.of(tracked(s.get(0), "stable"),
                tracked(s.get(1), "stable"), tracked(s.get(2), "canary"));
        s.get(2).stop();
        ManagedChannel ch = channel(endpoints, split(50, 50));
        Channel canary = withCanaryHeader(ch);
        Duration deadline = Duration.ofSeconds(5);
        // The canary's subchannel first connects (calls routed to it wait), then is refused.
        EchoServers.await("the canary's connection to be refused", WAIT, () -> {
            try {
                EchoServers.call(canary, deadline);
                throw new AssertionError("the stopped canary answered");
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
            }
        });

        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class, () -> EchoServers.call(canary, deadline));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            assertTrue(e.getStatus().getDescription().startsWith(
                    "route canary has no ready endpoint"), e.toString());
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMillis < deadline.toMillis(),
                "20 failed calls took " + elapsedMillis + " ms, less than one deadline");

        Map<String, Integer> unrouted = answers(ch, 300);
        assertEquals(300, sum(unrouted, "s0", "s1"), "all on stable: " + unrouted);
        assertEquals(Set.of("s0", "s1"), unrouted.keySet(), unrouted.toString());
    }

    /**
     * The canary's server is up (READY) but fails every call: outlier detection ejects it after
     * 3 failures, and with panic routing off the canary has no eligible endpoint. Header-routed
     * calls then fail with UNAVAILABLE without reaching it; calls split by weight fall back to
     * stable (TrafficSplit's fallback), so none fails.
     */
    @Test
    void ejectedCanary_headerRoutedCallsFail_othersFallBackToStable() throws Exception {
        EchoServers s = resources.servers(3);
        Map<String, Object> config = new java.util.HashMap<>(split(50, 50));
        config.put("outlierDetection", Map.of("consecutiveFailures", 3.0));
        config.put("panicThreshold", 0.0);
        ManagedChannel ch = channel(List.of(tracked(s.get(0), "stable"),
                tracked(s.get(1), "stable"), tracked(s.get(2), "canary")), config);
        warmUp(ch, s);
        EchoServers.Backend canaryServer = s.get(2);
        canaryServer.failWith = Status.UNAVAILABLE.withDescription("canary is broken");

        Channel canary = withCanaryHeader(ch);
        for (int i = 0; i < 3; i++) {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class, () -> EchoServers.call(canary, CALL_DEADLINE));
            assertEquals("canary is broken", e.getStatus().getDescription());
        }
        int reached = canaryServer.calls.get();
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class, () -> EchoServers.call(canary, CALL_DEADLINE));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        assertEquals(reached, canaryServer.calls.get(), "ejected: the call never reached it");

        Map<String, Integer> unrouted = answers(ch, 200);
        assertEquals(200, sum(unrouted, "s0", "s1"), "all fell back to stable: " + unrouted);
        assertEquals(reached, canaryServer.calls.get());
    }

    /** With {@code hashHeader}, one user's calls stay on one side of a 50/50 split. */
    @Test
    void hashHeader_keepsEachUserOnOneSideOfTheSplit() throws Exception {
        EchoServers s = resources.servers(2);
        Map<String, Object> config = new java.util.HashMap<>(split(50, 50));
        config.put("hashHeader", "x-user");
        ManagedChannel ch = channel(List.of(tracked(s.get(0), "stable"),
                tracked(s.get(1), "canary")), config);
        warmUp(ch, s);

        Set<String> sides = new TreeSet<>();
        for (int user = 0; user < 20; user++) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), "user-" + user);
            Channel userChannel = ClientInterceptors.intercept(ch,
                    MetadataUtils.newAttachHeadersInterceptor(headers));
            Map<String, Integer> answered = answers(userChannel, 10);
            assertEquals(1, answered.size(), "user-" + user + " stayed on one side: " + answered);
            sides.addAll(answered.keySet());
        }
        // 20 users at 1/2 each: all on one side with probability 2^-19
        assertEquals(Set.of("s0", "s1"), sides, "the users spread over both sides");

        Set<String> byOption = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            byOption.add(ClientCalls.blockingUnaryCall(ch, EchoServers.WHO,
                    CallOptions.DEFAULT.withOption(LbkitGrpc.HASH_KEY, "cart-17")
                            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                    "who"));
        }
        assertEquals(1, byOption.size(), "the call option's key sticks too: " + byOption);
    }

    /**
     * A new service config from the resolver with new weights (stable 100 -> 0, canary 0 -> 100)
     * takes effect on the running channel: every call goes to stable before, to canary after.
     */
    @Test
    void newWeightsFromTheResolver_takeEffect() throws Exception {
        EchoServers s = resources.servers(2);
        ConfigResolver resolver = new ConfigResolver(
                List.of(tracked(s.get(0), "stable"), tracked(s.get(1), "canary")));
        ManagedChannel ch = channel(resolver.provider, Map.of());
        ch.getState(true); // leaves idle mode: starts the resolver
        resolver.push(split(100, 0));
        warmUp(ch, s);

        assertEquals(Map.of("s0", 100), answers(ch, 100));
        resolver.push(split(0, 100));
        // The channel applies the config in its context; calls after that go to the canary.
        EchoServers.await("calls to reach the canary", WAIT,
                () -> EchoServers.call(ch, CALL_DEADLINE).equals("s1"));
        assertEquals(Map.of("s1", 100), answers(ch, 100));
    }

    /**
     * A resolver that delivers fixed endpoints with a service config the test pushes, the way a
     * control plane would change the split's weights.
     */
    private static final class ConfigResolver {
        final List<Endpoint> endpoints;
        final NameResolverProvider provider;
        private final java.util.concurrent.CompletableFuture<Started> started =
                new java.util.concurrent.CompletableFuture<>();

        private record Started(NameResolver.Args args, NameResolver.Listener2 listener) {}

        ConfigResolver(List<Endpoint> endpoints) {
            this.endpoints = endpoints;
            String scheme = "lbkit-test-split" + SCHEMES.incrementAndGet();
            this.provider = new NameResolverProvider() {
                @Override
                protected boolean isAvailable() {
                    return true;
                }

                @Override
                protected int priority() {
                    return 5;
                }

                @Override
                public String getDefaultScheme() {
                    return scheme;
                }

                @Override
                public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
                    if (!scheme.equals(targetUri.getScheme())) {
                        return null;
                    }
                    return new NameResolver() {
                        @Override
                        public String getServiceAuthority() {
                            return "orders";
                        }

                        @Override
                        public void start(Listener2 listener) {
                            started.complete(new Started(args, listener));
                        }

                        @Override
                        public void shutdown() {}
                    };
                }
            };
        }

        /** Delivers the endpoints with a service config whose lbkit policy config is given. */
        void push(Map<String, ?> policyConfig) throws Exception {
            Started s = started.get(10, TimeUnit.SECONDS);
            List<io.grpc.EquivalentAddressGroup> addresses = new ArrayList<>();
            for (Endpoint e : endpoints) {
                try {
                    addresses.add(GroupNameResolver.addressGroup(e));
                } catch (UnknownHostException ex) {
                    throw new AssertionError(ex);
                }
            }
            NameResolver.ConfigOrError config = s.args().getServiceConfigParser()
                    .parseServiceConfig(Map.of("loadBalancingConfig",
                            List.of(Map.of("lbkit", policyConfig))));
            s.args().getSynchronizationContext().execute(() -> s.listener().onResult2(
                    NameResolver.ResolutionResult.newBuilder()
                            .setAddressesOrError(StatusOr.fromValue(addresses))
                            .setServiceConfig(config)
                            .build()));
        }
    }
}
