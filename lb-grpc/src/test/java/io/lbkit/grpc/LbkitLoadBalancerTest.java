package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy's connectivity handling and outcome reporting, against a fake helper whose
 * subchannels change state when the test says ({@link PolicyFixture}). The split's routing is
 * {@link LbkitSplitPolicyTest}.
 */
class LbkitLoadBalancerTest extends PolicyFixture {

    @Test
    void nonIpAddresses_becomeValidDistinctEndpointHosts() {
        String unix = ResolvedAddress.hostFor("/run/orders.sock");
        assertEquals(unix, Endpoint.of(unix, 1).host(), "a valid, already canonical host");
        assertTrue(unix.startsWith("_run_orders.sock-"), unix);
        assertFalse(unix.equals(ResolvedAddress.hostFor("_run_orders.sock")),
                "texts that differ only in replaced characters stay distinct");
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

    @Test
    void shutdown_shutsDownEverySubchannel() {
        accept(Map.of(), eag(1), eag(2));
        sync.execute(lb::shutdown);
        helper.byPort.values().forEach(sc -> assertTrue(sc.shutdown));
    }
}
