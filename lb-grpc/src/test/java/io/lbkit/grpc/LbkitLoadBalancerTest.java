package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.ResolvedAddresses;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.LoadBalancer.SubchannelStateListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy's connectivity handling and outcome reporting, against a fake helper whose
 * subchannels change state when the test says. Everything runs in one synchronization context.
 */
class LbkitLoadBalancerTest {

    @Test
    void nonIpAddresses_becomeValidDistinctEndpointHosts() {
        String unix = ResolvedAddress.hostFor("/run/orders.sock");
        assertEquals(unix, Endpoint.of(unix, 1).host(), "a valid, already canonical host");
        assertTrue(unix.startsWith("_run_orders.sock-"), unix);
        assertFalse(unix.equals(ResolvedAddress.hostFor("_run_orders.sock")),
                "texts that differ only in replaced characters stay distinct");
    }

    private final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
        throw new AssertionError(e);
    });
    private final AtomicLong now = new AtomicLong();
    private final FakeHelper helper = new FakeHelper();
    private LbkitLoadBalancer lb;

    @BeforeEach
    void createPolicy() {
        lb = new LbkitLoadBalancer(helper, now::get);
    }

    private static EquivalentAddressGroup eag(int port) {
        return new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", port));
    }

    private Status accept(Map<String, ?> config, EquivalentAddressGroup... eags) {
        Status[] out = new Status[1];
        sync.execute(() -> out[0] = lb.acceptResolvedAddresses(ResolvedAddresses.newBuilder()
                .setAddresses(List.of(eags))
                .setLoadBalancingPolicyConfig(PolicyConfig.parseOrThrow(config))
                .build()));
        return out[0];
    }

    private void state(int port, ConnectivityState s) {
        state(port, s == ConnectivityState.TRANSIENT_FAILURE
                ? ConnectivityStateInfo.forTransientFailure(Status.UNAVAILABLE.withDescription(
                        "connection refused " + port))
                : ConnectivityStateInfo.forNonError(s));
    }

    private void state(int port, ConnectivityStateInfo info) {
        FakeSubchannel sc = helper.byPort.get(port);
        sync.execute(() -> sc.listener.onSubchannelState(info));
    }

    private PickResult pick() {
        return helper.picker.pickSubchannel(ARGS);
    }

    private int pickedPort() {
        PickResult r = pick();
        assertTrue(r.getStatus().isOk() && r.getSubchannel() != null, r.toString());
        return ((FakeSubchannel) r.getSubchannel()).port;
    }

    @Test
    void aNewLocalZone_keepsTheBalancerAndItsState() {
        accept(Map.of("strategy", "round_robin", "localZone", "a"), eag(1), eag(2));
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        ReadyPicker before = (ReadyPicker) helper.picker;
        PickResult held = before.pickSubchannel(ARGS); // in flight across the change
        assertEquals(java.util.Optional.of("a"), before.balancer().localZone());

        accept(Map.of("strategy", "round_robin", "localZone", "b"), eag(1), eag(2));
        ReadyPicker after = (ReadyPicker) helper.picker;
        assertSame(before.balancer(), after.balancer(), "same balancer, state kept");
        assertEquals(java.util.Optional.of("b"), after.balancer().localZone());
        assertEquals(1, stats(after, port(held)).inFlight());

        accept(Map.of("strategy", "round_robin"), eag(1), eag(2));
        assertSame(before.balancer(), ((ReadyPicker) helper.picker).balancer());
        assertEquals(java.util.Optional.empty(), before.balancer().localZone(), "zone awareness off");

        accept(Map.of("strategy", "random"), eag(1), eag(2));
        assertFalse(before.balancer() == ((ReadyPicker) helper.picker).balancer(),
                "another strategy needs a new balancer");
    }

    @Test
    void newAddresses_getASubchannelEachAndAConnectionRequest() {
        assertTrue(accept(Map.of(), eag(1), eag(2), eag(3)).isOk());

        assertEquals(3, helper.byPort.size());
        helper.byPort.values().forEach(sc -> assertEquals(1, sc.connectionRequests));
        assertEquals(ConnectivityState.CONNECTING, helper.state);
        assertFalse(pick().hasResult(), "calls wait while connecting");
    }

    @Test
    void allEndpointsAtTheirCap_dropTheCall_soWaitForReadyCallsDoNotWait() {
        accept(Map.of("strategy", "round_robin", "maxRequestsPerEndpoint", 1.0), eag(1));
        state(1, ConnectivityState.READY);
        PickResult held = helper.picker.pickSubchannel(ARGS);
        assertTrue(held.getStatus().isOk() && held.getSubchannel() != null, held.toString());

        PickResult full = helper.picker.pickSubchannel(ARGS);
        assertTrue(full.isDrop(), "a drop fails wait-for-ready calls too: " + full);
        assertEquals(Status.Code.UNAVAILABLE, full.getStatus().getCode());

        close(held, Status.OK);
        assertTrue(helper.picker.pickSubchannel(ARGS).getStatus().isOk(), "capacity again");
    }

    @Test
    void readySubchannels_arePickedAndOthersAreNot() {
        accept(Map.of("strategy", "round_robin"), eag(1), eag(2), eag(3));
        state(1, ConnectivityState.READY);
        state(3, ConnectivityState.READY);

        assertEquals(ConnectivityState.READY, helper.state);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ports.add(pickedPort());
        }
        assertEquals(2, ports.stream().filter(p -> p == 1).count(), ports.toString());
        assertEquals(2, ports.stream().filter(p -> p == 3).count(), ports.toString());
    }

    @Test
    void idleSubchannel_isAskedToConnectAgain() {
        accept(Map.of(), eag(1));
        state(1, ConnectivityState.READY);
        state(1, ConnectivityState.IDLE);

        assertEquals(2, helper.byPort.get(1).connectionRequests);
        assertEquals(ConnectivityState.CONNECTING, helper.state);
    }

    @Test
    void allInTransientFailure_failsCallsWithTheLastError() {
        accept(Map.of(), eag(1), eag(2));
        state(1, ConnectivityState.TRANSIENT_FAILURE);
        assertEquals(ConnectivityState.CONNECTING, helper.state, "2 is still connecting");
        state(2, ConnectivityState.TRANSIENT_FAILURE);

        assertEquals(ConnectivityState.TRANSIENT_FAILURE, helper.state);
        PickResult r = pick();
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode());
        assertTrue(r.getStatus().getDescription().contains("connection refused 2"),
                r.getStatus().toString());
        assertTrue(helper.refreshes >= 2, "name resolution is refreshed on failures");
    }

    @Test
    void transientFailure_isStickyWhileReconnecting() {
        accept(Map.of(), eag(1));
        state(1, ConnectivityState.TRANSIENT_FAILURE);
        state(1, ConnectivityState.CONNECTING); // grpc's back-off retry

        assertEquals(ConnectivityState.TRANSIENT_FAILURE, helper.state);
        state(1, ConnectivityState.READY);
        assertEquals(ConnectivityState.READY, helper.state);
    }

    @Test
    void removedAddress_isShutDownAndNotPicked() {
        accept(Map.of(), eag(1), eag(2));
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        FakeSubchannel two = helper.byPort.get(2);

        accept(Map.of(), eag(1));

        assertTrue(two.shutdown);
        for (int i = 0; i < 20; i++) {
            assertEquals(1, pickedPort());
        }
    }

    @Test
    void emptyAddressList_dropsEverythingAndFails() {
        accept(Map.of(), eag(1));
        Status s = accept(Map.of());

        assertEquals(Status.Code.UNAVAILABLE, s.getCode());
        assertTrue(helper.byPort.get(1).shutdown);
        assertEquals(ConnectivityState.TRANSIENT_FAILURE, helper.state);
    }

    @Test
    void resolutionError_keepsServingTheReadySet() {
        accept(Map.of(), eag(1));
        state(1, ConnectivityState.READY);
        sync.execute(() -> lb.handleNameResolutionError(Status.UNAVAILABLE.withDescription("dns")));

        assertEquals(ConnectivityState.READY, helper.state);
        assertEquals(1, pickedPort());
    }

    @Test
    void resolutionErrorBeforeAnyAddress_failsCalls() {
        sync.execute(() -> lb.handleNameResolutionError(Status.UNAVAILABLE.withDescription("dns")));
        assertEquals(ConnectivityState.TRANSIENT_FAILURE, helper.state);
        assertEquals("dns", pick().getStatus().getDescription());
    }

    @Test
    void streamTracer_reportsOutcomeAndLatencyOnce() {
        accept(Map.of("strategy", "peak_ewma"), eag(1));
        state(1, ConnectivityState.READY);
        ReadyPicker picker = (ReadyPicker) helper.picker;

        PickResult r = pick();
        assertEquals(1, stats(picker).inFlight());
        now.addAndGet(7_000_000);
        ClientStreamTracer tracer = r.getStreamTracerFactory().newClientStreamTracer(
                ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
        tracer.streamClosed(Status.OK);
        tracer.streamClosed(Status.OK); // a second close must not count twice

        EndpointStats s = stats(picker);
        assertEquals(0, s.inFlight());
        assertEquals(1, s.successes());
        assertEquals(7, s.latency().orElseThrow().toMillis());
    }

    @Test
    void streamTracer_countsFailureCodesAndReleasesCancelled() {
        accept(Map.of(), eag(1));
        state(1, ConnectivityState.READY);
        ReadyPicker picker = (ReadyPicker) helper.picker;

        close(pick(), Status.UNAVAILABLE);
        close(pick(), Status.DEADLINE_EXCEEDED);
        close(pick(), Status.NOT_FOUND); // an answer: success
        close(pick(), Status.CANCELLED); // the caller gave up: neither

        EndpointStats s = stats(picker);
        assertEquals(0, s.inFlight());
        assertEquals(2, s.failures());
        assertEquals(1, s.successes());
    }

    @Test
    void oldPicker_drawingAnAddressItLacks_waitsForTheNewPicker() {
        accept(Map.of("strategy", "round_robin"), eag(1));
        state(1, ConnectivityState.READY);
        SubchannelPicker old = helper.picker;
        accept(Map.of("strategy", "round_robin"), eag(1), eag(2));
        state(2, ConnectivityState.READY);

        int waited = 0;
        for (int i = 0; i < 10; i++) {
            PickResult r = old.pickSubchannel(ARGS);
            if (!r.hasResult()) {
                waited++;
            } else {
                assertEquals(1, ((FakeSubchannel) r.getSubchannel()).port);
            }
        }
        assertEquals(5, waited, "round robin draws 2 half the time; the old picker lacks it");
        ReadyPicker current = (ReadyPicker) helper.picker;
        assertEquals(5, stats(current, 1).inFlight(), "the picks that got a subchannel");
        assertEquals(0, stats(current, 2).inFlight(), "the picks that waited were released");
    }

    @Test
    void newConfig_replacesTheStrategy() {
        accept(Map.of("strategy", "round_robin"), eag(1), eag(2));
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        accept(Map.of("strategy", "random"), eag(1), eag(2));

        assertTrue(helper.picker.toString().contains("random"), helper.picker.toString());
        assertEquals(ConnectivityState.READY, helper.state);
        int port = pickedPort();
        assertTrue(port == 1 || port == 2, "picked " + port);
    }

    @Test
    void changedWeight_reachesTheBalancerOnTheSameSubchannel() {
        Endpoint light = Endpoint.of("127.0.0.1", 1, 1);
        Endpoint heavy = Endpoint.of("127.0.0.1", 1, 3);
        accept(Map.of(), withEndpoint(light));
        state(1, ConnectivityState.READY);
        FakeSubchannel sc = helper.byPort.get(1);

        accept(Map.of(), withEndpoint(heavy));

        assertSame(sc, helper.byPort.get(1));
        assertEquals(1, sc.connectionRequests, "no reconnect");
        assertEquals(heavy, stats((ReadyPicker) helper.picker).endpoint());
        assertEquals(heavy, sc.addresses.get(0).getAttributes().get(LbkitGrpc.ENDPOINT));
    }

    private static EquivalentAddressGroup withEndpoint(Endpoint e) {
        return new EquivalentAddressGroup(new InetSocketAddress(e.host(), e.port()),
                Attributes.newBuilder().set(LbkitGrpc.ENDPOINT, e).build());
    }

    @Test
    void addressesOfOneHostName_areSeparateEndpoints() throws Exception {
        // grpc's dns resolver hands out addresses that carry the name they were looked up by
        EquivalentAddressGroup a = new EquivalentAddressGroup(new InetSocketAddress(
                java.net.InetAddress.getByAddress("orders.internal", new byte[] {127, 0, 0, 1}), 1));
        EquivalentAddressGroup b = new EquivalentAddressGroup(new InetSocketAddress(
                java.net.InetAddress.getByAddress("orders.internal", new byte[] {127, 0, 0, 2}), 1));
        accept(Map.of(), a, b);
        assertEquals(2, helper.created, "one subchannel per address");
    }

    @Test
    void hashKey_fromCallOptionsOrHeader_sticksToOneSubchannel() {
        accept(Map.of("strategy", "ring_hash", "hashHeader", "x-user"), eag(1), eag(2), eag(3));
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);

        java.util.Set<Integer> byOption = new java.util.HashSet<>();
        java.util.Set<Integer> byHeader = new java.util.HashSet<>();
        java.util.Set<Integer> spread = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            byOption.add(port(helper.picker.pickSubchannel(
                    args(CallOptions.DEFAULT.withOption(LbkitGrpc.HASH_KEY, "user-7"), null))));
            byHeader.add(port(helper.picker.pickSubchannel(args(CallOptions.DEFAULT, "user-7"))));
            spread.add(port(helper.picker.pickSubchannel(
                    args(CallOptions.DEFAULT, "user-" + i))));
        }
        assertEquals(1, byOption.size(), "one key, one subchannel");
        assertEquals(byOption, byHeader, "the header key hashes like the call-option key");
        assertEquals(3, spread.size(), "50 keys reach all three");
    }

    // ---- split ------------------------------------------------------------------------------

    private static final Map<String, ?> CANARY_SPLIT = Map.of("strategy", "round_robin",
            "split", Map.of("attribute", "track",
                    "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                            Map.of("name", "canary", "weight", 1.0)),
                    "header", "x-canary",
                    "values", Map.of("1", "canary")));

    /** Stable weight 1, canary weight 0: the canary gets header-routed calls only. */
    private static Map<String, ?> weightZeroCanary() {
        return Map.of("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                        Map.of("name", "canary", "weight", 0.0)),
                "header", "x-canary", "values", Map.of("1", "canary")));
    }

    private static EquivalentAddressGroup tracked(int port, String track) {
        return withEndpoint(Endpoint.builder("127.0.0.1", port).attribute("track", track).build());
    }

    private static PickSubchannelArgs withHeader(String name, String value) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        return argsWith(CallOptions.DEFAULT, headers);
    }

    private static final PickSubchannelArgs CANARY = withHeader("x-canary", "1");

    /** Stable on ports 1 and 2 (2 without the attribute: the default route), canary on 3. */
    private void acceptCanarySplit(Map<String, ?> config) {
        accept(config, tracked(1, "stable"), eag(2), tracked(3, "canary"));
    }

    private java.util.TreeMap<Integer, Integer> portCounts(SubchannelPicker picker,
            PickSubchannelArgs args, int picks) {
        java.util.TreeMap<Integer, Integer> counts = new java.util.TreeMap<>();
        for (int i = 0; i < picks; i++) {
            PickResult r = picker.pickSubchannel(args);
            assertTrue(r.getStatus().isOk() && r.getSubchannel() != null, r.toString());
            counts.merge(port(r), 1, Integer::sum);
            close(r, Status.OK);
        }
        return counts;
    }

    @Test
    void split_headerRoutedCallsReachTheirRoute_othersSplitOverAll() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);

        assertEquals(ConnectivityState.READY, helper.state);
        assertTrue(helper.picker instanceof SplitPicker, helper.picker.toString());
        assertEquals(Map.of(3, 50), portCounts(helper.picker, CANARY, 50));
        // "0" maps to no route: split by weight, like a call without the header
        Map<Integer, Integer> unrouted = portCounts(helper.picker, withHeader("x-canary", "0"), 400);
        assertEquals(java.util.Set.of(1, 2, 3), unrouted.keySet(), unrouted.toString());
        int canary = unrouted.get(3);
        // 400 draws at p = 1/2: mean 200, sd 10; +-5 sd
        assertTrue(canary > 150 && canary < 250, unrouted.toString());
        assertEquals(unrouted.get(1), unrouted.get(2), 1, "round robin within stable");
    }

    @Test
    void split_routeWithoutReadyEndpoint_failsItsHeaderRoutedCallsFast_othersGoToTheRest() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.TRANSIENT_FAILURE);

        PickResult r = helper.picker.pickSubchannel(CANARY);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertTrue(r.getStatus().getDescription().startsWith(
                "route canary has no ready endpoint (1 in TRANSIENT_FAILURE"), r.toString());
        assertEquals(java.util.Set.of(1, 2), portCounts(helper.picker, ARGS, 100).keySet(),
                "the canary's weight goes to stable while it has no READY endpoint");
        assertEquals(Map.of("stable", 1, "canary", 0),
                ((SplitPicker) helper.picker).split().weights());

        state(3, ConnectivityState.READY);
        assertEquals(Map.of(3, 10), portCounts(helper.picker, CANARY, 10));
        assertTrue(portCounts(helper.picker, ARGS, 100).containsKey(3), "its weight is back");
    }

    @Test
    void split_routeWithNoEndpointAtAll_failsItsHeaderRoutedCallsFast() {
        accept(CANARY_SPLIT, tracked(1, "stable"));
        state(1, ConnectivityState.READY);

        PickResult r = helper.picker.pickSubchannel(CANARY);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertEquals("route canary has no ready endpoint (no endpoint has track=canary)",
                r.getStatus().getDescription());
        assertEquals(Map.of(1, 20), portCounts(helper.picker, ARGS, 20));
    }

    @Test
    void split_routeStillConnecting_letsItsHeaderRoutedCallsWait_othersGoToTheReadyRoutes() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY); // 2 and 3 are still connecting

        assertFalse(helper.picker.pickSubchannel(CANARY).hasResult(), "waits for the canary");
        assertEquals(Map.of(1, 20), portCounts(helper.picker, ARGS, 20));

        state(3, ConnectivityState.TRANSIENT_FAILURE);
        assertEquals(Status.Code.UNAVAILABLE, helper.picker.pickSubchannel(CANARY).getStatus()
                .getCode(), "failed: header-routed calls fail fast");
        state(3, ConnectivityState.CONNECTING);
        assertEquals(Status.Code.UNAVAILABLE, helper.picker.pickSubchannel(CANARY).getStatus()
                .getCode(), "still failed while it reconnects (sticky transient failure)");
    }

    @Test
    void split_noRouteOfPositiveWeightReady_weightedCallsWaitWhileOneConnects() {
        acceptCanarySplit(weightZeroCanary());
        state(3, ConnectivityState.READY); // only the weight-0 canary

        assertFalse(helper.picker.pickSubchannel(ARGS).hasResult(), "stable is connecting: wait");
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));
        state(1, ConnectivityState.READY);
        assertEquals(Map.of(1, 10), portCounts(helper.picker, ARGS, 10));
    }

    @Test
    void split_weightZeroRoute_getsOnlyHeaderRoutedCalls_andNotTheOthersWhenTheyHaveNoEndpoint() {
        acceptCanarySplit(weightZeroCanary());
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        assertFalse(portCounts(helper.picker, ARGS, 100).containsKey(3));
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));

        state(1, ConnectivityState.TRANSIENT_FAILURE);
        state(2, ConnectivityState.TRANSIENT_FAILURE);
        PickResult r = helper.picker.pickSubchannel(ARGS);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertTrue(r.getStatus().getDescription().startsWith(
                "no route of positive weight has a ready endpoint"), r.toString());
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));
    }

    @Test
    void split_headerNamingTheRoute_whenNoValuesAreConfigured() {
        Map<String, ?> config = Map.of("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                        Map.of("name", "canary", "weight", 1.0)),
                "header", "x-track"));
        acceptCanarySplit(config);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        assertEquals(Map.of(3, 10), portCounts(helper.picker, withHeader("x-track", "canary"), 10));
        assertFalse(portCounts(helper.picker, withHeader("x-track", "stable"), 50).containsKey(3));
    }

    @Test
    void split_newWeightsOnly_keepTheBalancersAndTakeEffect() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        SplitPicker before = (SplitPicker) helper.picker;
        PickResult inFlight = before.pickSubchannel(CANARY);

        Map<String, Object> promoted = new java.util.HashMap<>(CANARY_SPLIT);
        promoted.put("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 0.0),
                        Map.of("name", "canary", "weight", 1.0)),
                "header", "x-canary", "values", Map.of("1", "canary")));
        acceptCanarySplit(promoted);

        SplitPicker after = (SplitPicker) helper.picker;
        assertSame(before.split(), after.split(), "same balancers: per-endpoint state carries over");
        assertEquals(Map.of("stable", 0, "canary", 1), after.split().weights());
        assertEquals(1, after.split().route("canary").stats().get(0).inFlight(),
                "the call picked before the change is still counted");
        close(inFlight, Status.OK);
        assertEquals(Map.of(3, 50), portCounts(helper.picker, ARGS, 50));

        acceptCanarySplit(Map.of("strategy", "random", "split", CANARY_SPLIT.get("split")));
        assertFalse(after.split() == ((SplitPicker) helper.picker).split(), "a new strategy: new balancers");
        acceptCanarySplit(Map.of("strategy", "round_robin"));
        assertTrue(helper.picker instanceof ReadyPicker, "no split: the plain picker again");
    }

    private static int port(PickResult r) {
        return ((FakeSubchannel) r.getSubchannel()).port;
    }

    private static PickSubchannelArgs args(CallOptions options, String userHeader) {
        Metadata headers = new Metadata();
        if (userHeader != null) {
            headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), userHeader);
        }
        return argsWith(options, headers);
    }

    private static PickSubchannelArgs argsWith(CallOptions options, Metadata headers) {
        return new PickSubchannelArgs() {
            @Override
            public CallOptions getCallOptions() {
                return options;
            }

            @Override
            public Metadata getHeaders() {
                return headers;
            }

            @Override
            public MethodDescriptor<?, ?> getMethodDescriptor() {
                return EchoServers.WHO;
            }
        };
    }

    @Test
    void shutdown_shutsDownEverySubchannel() {
        accept(Map.of(), eag(1), eag(2));
        sync.execute(lb::shutdown);
        helper.byPort.values().forEach(sc -> assertTrue(sc.shutdown));
    }

    private void close(PickResult r, Status status) {
        r.getStreamTracerFactory().newClientStreamTracer(
                ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata())
                .streamClosed(status);
    }

    private static EndpointStats stats(ReadyPicker picker) {
        return stats(picker, 1);
    }

    private static EndpointStats stats(ReadyPicker picker, int port) {
        Endpoint e = Endpoint.of("127.0.0.1", port);
        return picker.balancer().stats().stream()
                .filter(s -> s.endpoint().address().equals(e.address()))
                .findFirst().orElseThrow();
    }

    private static final PickSubchannelArgs ARGS = new PickSubchannelArgs() {
        @Override
        public CallOptions getCallOptions() {
            return CallOptions.DEFAULT;
        }

        @Override
        public Metadata getHeaders() {
            return new Metadata();
        }

        @Override
        public MethodDescriptor<?, ?> getMethodDescriptor() {
            return EchoServers.WHO;
        }
    };

    private final class FakeHelper extends LoadBalancer.Helper {
        final Map<Integer, FakeSubchannel> byPort = new HashMap<>();
        int created;
        ConnectivityState state;
        SubchannelPicker picker;
        int refreshes;

        @Override
        public Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
            FakeSubchannel sc = new FakeSubchannel(args.getAddresses());
            created++;
            byPort.put(sc.port, sc);
            return sc;
        }

        @Override
        public void updateBalancingState(ConnectivityState newState, SubchannelPicker newPicker) {
            state = newState;
            picker = newPicker;
        }

        @Override
        public void refreshNameResolution() {
            refreshes++;
        }

        @Override
        public SynchronizationContext getSynchronizationContext() {
            return sync;
        }

        @Override
        public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getAuthority() {
            return "test";
        }
    }

    private static final class FakeSubchannel extends Subchannel {
        List<EquivalentAddressGroup> addresses;
        final int port;
        SubchannelStateListener listener;
        int connectionRequests;
        boolean shutdown;

        FakeSubchannel(List<EquivalentAddressGroup> addresses) {
            this.addresses = addresses;
            this.port = ((InetSocketAddress) addresses.get(0).getAddresses().get(0)).getPort();
        }

        @Override
        public void start(SubchannelStateListener listener) {
            assertNotNull(listener);
            this.listener = listener;
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public void requestConnection() {
            connectionRequests++;
        }

        @Override
        public List<EquivalentAddressGroup> getAllAddresses() {
            return addresses;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public void updateAddresses(List<EquivalentAddressGroup> addrs) {
            assertEquals(addresses.get(0).getAddresses(), addrs.get(0).getAddresses());
            addresses = addrs;
        }
    }
}
