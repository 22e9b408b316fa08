package io.lbkit.jmh.grpc;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.lbkit.cli.CommandLine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End to end over gRPC: unary calls on loopback from one grpc-java channel per policy to
 * {@code --servers} grpc-java Netty servers, {@code --in-flight} calls outstanding (a closed loop:
 * each completed call starts the next), grpc's {@code round_robin} and {@code pick_first} against
 * the {@code lbkit} policy's round robin, least request and peak EWMA. A bounded program, not a
 * JMH benchmark: it stops by itself after about {@code policies × (warmup + rounds × seconds)}
 * seconds (70 s by default, about 10 s with {@code --quick}). Not thread-safe; run it as a
 * program.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.grpc.GrpcEndToEnd
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.grpc.GrpcEndToEnd --quick
 * }</pre>
 *
 * <p>Every channel uses the same target, {@code lbkit:///127.0.0.1:p0,...} (the lbkit resolver:
 * one address group per server), so only the load-balancing policy differs. All channels are
 * built and connected first; then a discarded warm-up turn per policy; then the measured rounds,
 * each policy taking one turn of {@code --seconds} per round in an order rotated by one each
 * round, so slow and fast moments of a shared machine spread over all policies. A call counts
 * when it completes inside its turn; calls still running at the turn's end are drained, not
 * counted. Per policy it prints calls per second over all rounds (and its slowest and fastest
 * round: their spread is the drift), p50 and p99 latency (nearest rank, whole microseconds, all
 * rounds), failed calls, and each server's share of the calls. Exit status 1 if a call failed.
 */
public final class GrpcEndToEnd {

    /** 5 s: a call on loopback that takes this long means the run is broken, not slow. */
    private static final long CALL_DEADLINE_SECONDS = 5;

    /** 30 s to drain a turn's outstanding calls: each has a 5 s deadline. */
    private static final long DRAIN_SECONDS = 30;

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("bench.Echo/Echo")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    /** 32 bytes: a small unary request, echoed back. */
    private static final byte[] PAYLOAD = new byte[32];

    private GrpcEndToEnd() {}

    /**
     * Runs the benchmark; see {@link Options#HELP}.
     *
     * @param args the options
     */
    public static void main(String[] args) throws Exception {
        Options o = CommandLine.parseOrExit("GrpcEndToEnd", "try --help", Options::parse, args);
        if (o.help()) {
            System.out.print(Options.HELP);
            return;
        }
        System.exit(run(o) ? 0 : 1);
    }

    /** Runs every round and prints the summary; false if any call failed. */
    static boolean run(Options o) throws Exception {
        List<Backend> servers = new ArrayList<>();
        Map<Options.Policy, ManagedChannel> channels = new EnumMap<>(Options.Policy.class);
        try {
            for (int i = 0; i < o.servers(); i++) {
                servers.add(new Backend());
            }
            String target = target(servers);
            for (Options.Policy p : o.policies()) {
                ManagedChannel ch = Grpc.newChannelBuilder(target,
                                InsecureChannelCredentials.create())
                        .defaultServiceConfig(serviceConfig(p))
                        .build();
                channels.put(p, ch);
                // One waiting call: connected and READY before anything is timed.
                ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT.withWaitForReady()
                        .withDeadlineAfter(10, TimeUnit.SECONDS), PAYLOAD);
            }
            System.out.printf("%d servers on 127.0.0.1, %d calls in flight, %d rounds of %d s,"
                    + " %d s warm-up per policy; policies: %s%n", o.servers(), o.inFlight(),
                    o.rounds(), o.phase().toSeconds(), o.warmup().toSeconds(), ids(o.policies()));
            Map<Options.Policy, Totals> totals = new EnumMap<>(Options.Policy.class);
            for (Options.Policy p : o.policies()) {
                totals.put(p, new Totals(o.servers()));
                if (!o.warmup().isZero()) {
                    turn(channels.get(p), o.inFlight(), o.warmup().toNanos(), null, servers, null);
                }
            }
            for (int round = 0; round < o.rounds(); round++) {
                StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
                for (Options.Policy p : o.order(round)) {
                    Totals t = totals.get(p);
                    double rate = turn(channels.get(p), o.inFlight(), o.phase().toNanos(),
                            t.latencies, servers, t);
                    t.rates.add(rate);
                    line.append(String.format("  %s %.0f/s", p.id, rate));
                }
                System.out.println(line);
            }
            return print(o, totals);
        } finally {
            for (ManagedChannel ch : channels.values()) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : channels.values()) {
                ch.awaitTermination(10, TimeUnit.SECONDS);
            }
            for (Backend b : servers) {
                b.server.shutdownNow();
                b.server.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * One turn of a closed loop: {@code inFlight} calls outstanding for {@code nanos}; records
     * into {@code latencies} and {@code totals} when they are not null.
     *
     * @return calls completed in the turn per second
     */
    private static double turn(ManagedChannel channel, int inFlight, long nanos,
            LatencyHistogram latencies, List<Backend> servers, Totals totals)
            throws InterruptedException {
        long[] before = new long[servers.size()];
        for (int i = 0; i < before.length; i++) {
            before[i] = servers.get(i).calls.get();
        }
        Turn turn = new Turn(channel, System.nanoTime() + nanos, latencies, inFlight);
        for (int k = 0; k < inFlight; k++) {
            turn.new Caller().next();
        }
        if (!turn.done.await(nanos / 1_000_000_000 + DRAIN_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls still outstanding " + DRAIN_SECONDS
                    + " s after the turn ended");
        }
        if (totals != null) {
            totals.errors += turn.errors.get();
            totals.calls += turn.calls.get();
            for (int i = 0; i < before.length; i++) {
                totals.perServer[i] += servers.get(i).calls.get() - before[i];
            }
        }
        return turn.calls.get() * 1e9 / nanos;
    }

    /**
     * One turn's calls: its channel, its end, what they count and the latch each of its
     * {@link Caller}s counts down when it stops. Thread-safe: the callers' callbacks run on the
     * channel's executor.
     */
    private static final class Turn {
        final ManagedChannel channel;
        final long end;
        final LatencyHistogram latencies; // null: latencies not recorded
        final AtomicLong calls = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final CountDownLatch done;

        Turn(ManagedChannel channel, long end, LatencyHistogram latencies, int callers) {
            this.channel = channel;
            this.end = end;
            this.latencies = latencies;
            this.done = new CountDownLatch(callers);
        }

        /**
         * One of the turn's outstanding calls: when a call completes it starts the next, until
         * the turn's end. Callbacks arrive on the channel's executor, one call at a time per
         * caller.
         */
        final class Caller implements StreamObserver<byte[]> {
            private long started;

            void next() {
                started = System.nanoTime();
                ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT
                        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)), PAYLOAD,
                        this);
            }

            @Override
            public void onNext(byte[] value) {}

            @Override
            public void onError(Throwable t) {
                // Counted, reported in the summary, and this caller stops: a broken channel must
                // not spin through failing calls.
                if (errors.getAndIncrement() == 0) {
                    System.err.println("call failed: " + t);
                }
                done.countDown();
            }

            @Override
            public void onCompleted() {
                long now = System.nanoTime();
                if (now - end >= 0) {
                    done.countDown();
                    return;
                }
                calls.incrementAndGet();
                if (latencies != null) {
                    latencies.record(now - started);
                }
                next();
            }
        }
    }

    /** One policy's measurements over all rounds. Confined to the main thread between turns. */
    private static final class Totals {
        final LatencyHistogram latencies = new LatencyHistogram();
        final List<Double> rates = new ArrayList<>();
        final long[] perServer;
        long calls;
        long errors;

        Totals(int servers) {
            perServer = new long[servers];
        }
    }

    private static boolean print(Options o, Map<Options.Policy, Totals> totals) {
        System.out.printf("%n%-11s %10s %19s %8s %8s %7s  %s%n", "policy", "calls/s",
                "(slowest..fastest)", "p50 us", "p99 us", "errors", "share per server");
        boolean ok = true;
        for (Options.Policy p : o.policies()) {
            Totals t = totals.get(p);
            double min = Double.MAX_VALUE;
            double max = 0;
            for (double r : t.rates) {
                min = Math.min(min, r);
                max = Math.max(max, r);
            }
            double rate = t.calls * 1e9 / (o.phase().toNanos() * (double) o.rounds());
            long served = 0;
            for (long c : t.perServer) {
                served += c;
            }
            StringBuilder share = new StringBuilder();
            for (long c : t.perServer) {
                share.append(share.length() == 0 ? "" : " / ")
                        .append(String.format("%.0f%%", served == 0 ? 0 : 100.0 * c / served));
            }
            System.out.printf("%-11s %10.0f %19s %8d %8d %7d  %s%n", p.id, rate,
                    String.format("(%.0f..%.0f)", min, max), t.latencies.percentileMicros(0.50),
                    t.latencies.percentileMicros(0.99), t.errors, share);
            ok &= t.errors == 0;
        }
        return ok;
    }

    private static Map<String, ?> serviceConfig(Options.Policy p) {
        Map<String, ?> policyConfig = p.lbkitStrategy == null ? Map.of()
                : Map.of("strategy", p.lbkitStrategy);
        return Map.of("loadBalancingConfig", List.of(Map.of(p.grpcPolicy, policyConfig)));
    }

    private static String target(List<Backend> servers) {
        StringBuilder sb = new StringBuilder("lbkit:///");
        for (int i = 0; i < servers.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(servers.get(i).port);
        }
        return sb.toString();
    }

    private static String ids(List<Options.Policy> policies) {
        StringBuilder sb = new StringBuilder();
        for (Options.Policy p : policies) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.id);
        }
        return sb.toString();
    }

    /** A Netty server on 127.0.0.1 (an OS-chosen port) that echoes and counts its calls. */
    private static final class Backend {
        final AtomicLong calls = new AtomicLong();
        final Server server;
        final int port;

        Backend() throws IOException {
            ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                    .addMethod(ECHO, ServerCalls.asyncUnaryCall(
                            (byte[] request, StreamObserver<byte[]> response) -> {
                                calls.incrementAndGet();
                                response.onNext(request);
                                response.onCompleted();
                            }))
                    .build();
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(service)
                    .build()
                    .start();
            port = server.getPort();
        }
    }
}
