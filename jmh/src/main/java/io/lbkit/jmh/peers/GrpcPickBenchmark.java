package io.lbkit.jmh.peers;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.jmh.Cursor;
import io.lbkit.jmh.Workload;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * grpc-java's load-balancing policies, driven through public API only, on lbkit's workload: the
 * policy from {@link LoadBalancerRegistry}, its config from
 * {@link LoadBalancerProvider#parseLoadBalancingPolicyConfig}, a test {@link LoadBalancer.Helper}
 * whose subchannels go CONNECTING then READY as soon as they are asked to connect, and the
 * {@link LoadBalancer.SubchannelPicker} the policy last published. One op is what a channel does
 * per call: read the current picker, pick; for {@code least_request_experimental} and outlier
 * detection also the stream tracer's open and close, which is how those policies count calls in
 * flight and outcomes (without them the first is plain random and the second counts nothing).
 *
 * <ul>
 *   <li>{@code weighted_round_robin} weighs endpoints by ORCA load reports from the servers. There
 *       are none here, so every endpoint weighs the same; the pick still runs the policy's
 *       stride scheduler and allocates the per-call ORCA tracer factory.
 *   <li>{@code ring_hash_experimental} hashes the request. The xDS path puts a hash in
 *       {@link CallOptions} under a key that is package-private in {@code XdsNameResolver}; the
 *       public path (gRFC A76) is the {@code requestHashHeader} config field, enabled by the
 *       {@code GRPC_EXPERIMENTAL_RING_HASH_SET_REQUEST_HASH_KEY} flag (set here as a system
 *       property): the picker hashes that header's value with XXH64. Keys are pre-generated
 *       header sets. The ring is sized to hold every endpoint (ring size cap raised through the
 *       public {@code RingHashOptions.setRingSizeCap}), and all children are connected in setup.
 *   <li>{@code outlier_detection_round_robin} is {@code outlier_detection_experimental} (gRFC A50)
 *       wrapping {@code round_robin}, with failure-percentage ejection on at gRPC's defaults and a
 *       10 s interval: the peer of lbkit's pick + report with outlier detection on
 *       ({@code LbkitHealthBenchmark}, {@code setup=defaults}). Each op closes its stream with
 *       {@code OK}, which the policy's result-counting tracer adds to the endpoint's call
 *       counters; the detection timer runs on the helper's scheduler thread as it would in a
 *       channel.
 *   <li>{@code outlier_detection_least_request} is the same wrapping
 *       {@code least_request_experimental} (choice count 2): the peer of lbkit's least request
 *       with outlier detection on. The one stream tracer is outlier detection's, which delegates
 *       to the child's, so each op also opens and closes the child's in-flight count.
 * </ul>
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar GrpcPickBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
/*
 * Why one file of over 400 lines: a JMH benchmark class with its state, the test helper and fake
 * subchannels that drive grpc-java's policies through public API; JMH wants the state and setup
 * beside the benchmark methods, and the fakes have no other user.
 */
public class GrpcPickBenchmark {

    static final String RING_HASH = "ring_hash_experimental";
    static final String LEAST_REQUEST = "least_request_experimental";
    /** Not a registry name: outlier_detection_experimental with a round_robin child. */
    static final String OUTLIER_DETECTION_RR = "outlier_detection_round_robin";
    /** Not a registry name: outlier_detection_experimental with a least_request child. */
    static final String OUTLIER_DETECTION_LR = "outlier_detection_least_request";
    static final String OUTLIER_DETECTION = "outlier_detection_experimental";
    static final Metadata.Key<String> HASH_HEADER =
            Metadata.Key.of("x-lb-key", Metadata.ASCII_STRING_MARSHALLER);

    @Param({"round_robin", "least_request_experimental", "weighted_round_robin",
            "ring_hash_experimental", "outlier_detection_round_robin",
            "outlier_detection_least_request"})
    public String policy;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private BenchHelper helper;
    private LoadBalancer lb;
    private Args[] args;
    /** Whether each op drives the pick's stream tracer: the policy counts through it. */
    private boolean traced;
    private ClientStreamTracer.StreamInfo streamInfo;

    @Setup
    public void setUp() throws Exception {
        Workload w = new Workload(endpoints);
        boolean outlierDetection =
                policy.equals(OUTLIER_DETECTION_RR) || policy.equals(OUTLIER_DETECTION_LR);
        String registered = outlierDetection ? OUTLIER_DETECTION : policy;
        LoadBalancerProvider provider =
                LoadBalancerRegistry.getDefaultRegistry().getProvider(registered);
        if (provider == null) {
            throw new IllegalStateException("no grpc policy " + policy);
        }
        Map<String, ?> rawConfig = Map.of();
        if (policy.equals(RING_HASH)) {
            System.setProperty("GRPC_EXPERIMENTAL_RING_HASH_SET_REQUEST_HASH_KEY", "true");
            long ring = Math.max(4096, 4L * endpoints);
            io.grpc.xds.RingHashOptions.setRingSizeCap(ring);
            rawConfig = Map.of("minRingSize", (double) ring, "maxRingSize", (double) ring,
                    "requestHashHeader", HASH_HEADER.name());
        } else if (policy.equals(LEAST_REQUEST)) {
            rawConfig = Map.of("choiceCount", 2.0);
        } else if (outlierDetection) {
            Map<String, ?> child = policy.equals(OUTLIER_DETECTION_RR)
                    ? Map.of("round_robin", Map.of())
                    : Map.of(LEAST_REQUEST, Map.of("choiceCount", 2.0));
            rawConfig = Map.of("interval", "10s",
                    "failurePercentageEjection", Map.of(),
                    "childPolicy", List.of(child));
        }
        NameResolver.ConfigOrError parsed = provider.parseLoadBalancingPolicyConfig(rawConfig);
        if (parsed.getError() != null) {
            throw new IllegalStateException(policy + " config: " + parsed.getError());
        }
        helper = new BenchHelper();
        lb = provider.newLoadBalancer(helper);
        List<EquivalentAddressGroup> addresses = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            addresses.add(new EquivalentAddressGroup(address(i)));
        }
        Object config = parsed.getConfig();
        helper.syncContext.execute(() -> {
            Status s = lb.acceptResolvedAddresses(LoadBalancer.ResolvedAddresses.newBuilder()
                    .setAddresses(addresses)
                    .setLoadBalancingPolicyConfig(config)
                    .build());
            if (!s.isOk()) {
                throw new IllegalStateException(policy + " rejected addresses: " + s);
            }
        });

        MethodDescriptor<InputStream, InputStream> method = method();
        long[] keys = w.keys();
        args = new Args[Workload.INPUTS];
        for (int i = 0; i < args.length; i++) {
            Metadata headers = new Metadata();
            headers.put(HASH_HEADER, Long.toHexString(keys[i]));
            args[i] = new Args(method, headers);
        }
        traced = policy.equals(LEAST_REQUEST) || outlierDetection;
        streamInfo = ClientStreamTracer.StreamInfo.newBuilder()
                .setCallOptions(CallOptions.DEFAULT).build();
        if (policy.equals(RING_HASH)) {
            connectAllLazily(method);
        }
        if (helper.ready() != endpoints) {
            throw new IllegalStateException(policy + ": " + helper.ready() + " of " + endpoints
                    + " subchannels READY after setup");
        }
        for (Args a : args) { // every pre-generated input must find a subchannel
            if (pick(a) == null) {
                throw new IllegalStateException(policy + ": pick found no subchannel");
            }
        }
    }

    /** Ring hash connects a child only when a pick lands on it: pick until every one is READY. */
    private void connectAllLazily(MethodDescriptor<InputStream, InputStream> method) {
        SplittableRandom random = new SplittableRandom(Workload.SEED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (Args a : args) {
            helper.picker.pickSubchannel(a);
        }
        while (helper.ready() < endpoints) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ring hash warm-up: only " + helper.ready()
                        + " of " + endpoints + " children connected in 120 s");
            }
            Metadata headers = new Metadata();
            headers.put(HASH_HEADER, Long.toHexString(random.nextLong()));
            helper.picker.pickSubchannel(new Args(method, headers));
        }
    }

    @TearDown
    public void tearDown() {
        helper.syncContext.execute(lb::shutdown);
        helper.scheduler.shutdownNow();
    }

    @Benchmark
    public LoadBalancer.Subchannel pick(Cursor cursor) {
        return pick(args[cursor.next()]);
    }

    private LoadBalancer.Subchannel pick(Args a) {
        LoadBalancer.PickResult result = helper.picker.pickSubchannel(a);
        if (traced) {
            ClientStreamTracer tracer =
                    result.getStreamTracerFactory().newClientStreamTracer(streamInfo, a.headers);
            tracer.streamCreated(Attributes.EMPTY, a.headers);
            tracer.streamClosed(Status.OK);
        }
        return result.getSubchannel();
    }

    private static InetSocketAddress address(int i) throws UnknownHostException {
        byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
        return new InetSocketAddress(InetAddress.getByAddress(ip), Workload.PORT);
    }

    private static MethodDescriptor<InputStream, InputStream> method() {
        MethodDescriptor.Marshaller<InputStream> m = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(InputStream value) {
                return value;
            }

            @Override
            public InputStream parse(InputStream stream) {
                return stream;
            }
        };
        return MethodDescriptor.<InputStream, InputStream>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("bench.Bench/Call")
                .setRequestMarshaller(m)
                .setResponseMarshaller(m)
                .build();
    }

    /** A call's pick arguments. Immutable. */
    static final class Args extends LoadBalancer.PickSubchannelArgs {
        private final MethodDescriptor<?, ?> method;
        final Metadata headers;

        Args(MethodDescriptor<?, ?> method, Metadata headers) {
            this.method = method;
            this.headers = headers;
        }

        @Override
        public CallOptions getCallOptions() {
            return CallOptions.DEFAULT;
        }

        @Override
        public Metadata getHeaders() {
            return headers;
        }

        @Override
        public MethodDescriptor<?, ?> getMethodDescriptor() {
            return method;
        }
    }

    /**
     * A channel stand-in. Thread-safe as grpc requires: policy calls arrive in the
     * synchronization context; {@link #picker} is read by any thread.
     */
    static final class BenchHelper extends LoadBalancer.Helper {
        final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> {
            throw new IllegalStateException("uncaught in grpc sync context", e);
        });
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-bench-scheduler");
            t.setDaemon(true);
            return t;
        });
        private final List<BenchSubchannel> subchannels = new ArrayList<>();
        volatile LoadBalancer.SubchannelPicker picker;
        volatile ConnectivityState state;

        @Override
        public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
            syncContext.throwIfNotInThisSynchronizationContext();
            BenchSubchannel s = new BenchSubchannel(args, syncContext);
            subchannels.add(s);
            return s;
        }

        int ready() {
            int[] n = new int[1];
            syncContext.execute(() -> {
                for (BenchSubchannel s : subchannels) {
                    if (s.state == ConnectivityState.READY && !s.shutdown) {
                        n[0]++;
                    }
                }
            });
            return n[0];
        }

        @Override
        public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
            throw new UnsupportedOperationException("no OOB channels in this benchmark");
        }

        @Override
        public void updateBalancingState(ConnectivityState newState,
                LoadBalancer.SubchannelPicker newPicker) {
            state = newState;
            picker = newPicker;
        }

        @Override
        public void refreshNameResolution() {}

        @Override
        public SynchronizationContext getSynchronizationContext() {
            return syncContext;
        }

        @Override
        public ScheduledExecutorService getScheduledExecutorService() {
            return scheduler;
        }

        @Override
        public String getAuthority() {
            return "bench.invalid";
        }

        @Override
        public String getChannelTarget() {
            return "dns:///bench.invalid";
        }

        @Override
        public ChannelLogger getChannelLogger() {
            return NoopLogger.INSTANCE;
        }
    }

    /** A subchannel that connects at once when asked. Called in the synchronization context. */
    static final class BenchSubchannel extends LoadBalancer.Subchannel {
        private final LoadBalancer.CreateSubchannelArgs args;
        private final SynchronizationContext syncContext;
        private LoadBalancer.SubchannelStateListener listener;
        ConnectivityState state = ConnectivityState.IDLE;
        boolean shutdown;

        BenchSubchannel(LoadBalancer.CreateSubchannelArgs args, SynchronizationContext syncContext) {
            this.args = args;
            this.syncContext = syncContext;
        }

        @Override
        public void start(LoadBalancer.SubchannelStateListener listener) {
            this.listener = listener;
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public void requestConnection() {
            syncContext.execute(() -> {
                if (shutdown || state != ConnectivityState.IDLE || listener == null) {
                    return;
                }
                state = ConnectivityState.CONNECTING;
                listener.onSubchannelState(ConnectivityStateInfo.forNonError(state));
                state = ConnectivityState.READY;
                listener.onSubchannelState(ConnectivityStateInfo.forNonError(state));
            });
        }

        @Override
        public List<EquivalentAddressGroup> getAllAddresses() {
            return args.getAddresses();
        }

        @Override
        public Attributes getAttributes() {
            return args.getAttributes();
        }

        @Override
        public ChannelLogger getChannelLogger() {
            return NoopLogger.INSTANCE;
        }
    }

    /** Drops every log line. Stateless. */
    static final class NoopLogger extends ChannelLogger {
        static final NoopLogger INSTANCE = new NoopLogger();

        @Override
        public void log(ChannelLogLevel level, String message) {}

        @Override
        public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
    }
}
