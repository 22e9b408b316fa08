package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;

/**
 * The policy under test against a fake helper whose subchannels change state when the test says,
 * and the helpers to drive it: accept addresses and a config, set a subchannel's state, pick,
 * close a call. Everything runs in one synchronization context; {@link #now} is the policy's
 * clock. Extended by the policy's unit tests, one per topic.
 */
abstract class PolicyFixture {

    final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
        throw new AssertionError(e);
    });
    final AtomicLong now = new AtomicLong();
    final FakeHelper helper = new FakeHelper();
    LbkitLoadBalancer lb;

    @BeforeEach
    void createPolicy() {
        lb = new LbkitLoadBalancer(helper, now::get);
    }

    static EquivalentAddressGroup eag(int port) {
        return new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", port));
    }

    Status accept(Map<String, ?> config, EquivalentAddressGroup... eags) {
        Status[] out = new Status[1];
        sync.execute(() -> out[0] = lb.acceptResolvedAddresses(ResolvedAddresses.newBuilder()
                .setAddresses(List.of(eags))
                .setLoadBalancingPolicyConfig(PolicyConfig.parseOrThrow(config))
                .build()));
        return out[0];
    }

    void state(int port, ConnectivityState s) {
        state(port, s == ConnectivityState.TRANSIENT_FAILURE
                ? ConnectivityStateInfo.forTransientFailure(Status.UNAVAILABLE.withDescription(
                        "connection refused " + port))
                : ConnectivityStateInfo.forNonError(s));
    }

    void state(int port, ConnectivityStateInfo info) {
        FakeSubchannel sc = helper.byPort.get(port);
        sync.execute(() -> sc.listener.onSubchannelState(info));
    }

    PickResult pick() {
        return helper.picker.pickSubchannel(ARGS);
    }

    int pickedPort() {
        PickResult r = pick();
        assertTrue(r.getStatus().isOk() && r.getSubchannel() != null, r.toString());
        return ((FakeSubchannel) r.getSubchannel()).port;
    }

    static EquivalentAddressGroup withEndpoint(Endpoint e) {
        return new EquivalentAddressGroup(new InetSocketAddress(e.host(), e.port()),
                Attributes.newBuilder().set(LbkitGrpc.ENDPOINT, e).build());
    }

    static int port(PickResult r) {
        return ((FakeSubchannel) r.getSubchannel()).port;
    }

    static PickSubchannelArgs args(CallOptions options, String userHeader) {
        Metadata headers = new Metadata();
        if (userHeader != null) {
            headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), userHeader);
        }
        return argsWith(options, headers);
    }

    static PickSubchannelArgs argsWith(CallOptions options, Metadata headers) {
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

    void close(PickResult r, Status status) {
        r.getStreamTracerFactory().newClientStreamTracer(
                ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata())
                .streamClosed(status);
    }

    static EndpointStats stats(ReadyPicker picker) {
        return stats(picker, 1);
    }

    static EndpointStats stats(ReadyPicker picker, int port) {
        Endpoint e = Endpoint.of("127.0.0.1", port);
        return picker.balancer().stats().stream()
                .filter(s -> s.endpoint().address().equals(e.address()))
                .findFirst().orElseThrow();
    }

    static final PickSubchannelArgs ARGS = new PickSubchannelArgs() {
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

    final class FakeHelper extends LoadBalancer.Helper {
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

    static final class FakeSubchannel extends Subchannel {
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
