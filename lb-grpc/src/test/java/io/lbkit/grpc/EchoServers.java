package io.lbkit.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.lbkit.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Real grpc-java Netty servers on 127.0.0.1 with one unary method, {@code test.Echo/Who}, whose
 * answer is the server's name. Each server can answer after a delay (scheduled, not slept) or
 * with a fixed error, can be stopped and started again on the same port, and counts its calls.
 */
final class EchoServers implements AutoCloseable {

    /** A plain UTF-8 string marshaller: no protoc needed. */
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("test.Echo/Who")
            .setRequestMarshaller(STRING)
            .setResponseMarshaller(STRING)
            .build();

    /** 1 ms between polls of a condition. */
    private static final long POLL_NANOS = 1_000_000;

    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "echo-delays");
        t.setDaemon(true);
        return t;
    });
    private final List<Backend> backends = new ArrayList<>();

    EchoServers(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Backend b = new Backend("s" + i, "127.0.0.1");
            b.start(0);
            backends.add(b);
        }
    }

    /**
     * Servers on 127.0.0.1, 127.0.0.2, ... that all listen on one port, as the addresses of one
     * DNS name do. Linux routes all of 127.0.0.0/8 to the loopback interface.
     */
    static EchoServers onLoopbackAddresses(int count) throws IOException {
        EchoServers s = new EchoServers(0);
        for (int i = 0; i < count; i++) {
            Backend b = s.new Backend("s" + i, "127.0.0." + (i + 1));
            b.start(i == 0 ? 0 : s.backends.get(0).port);
            s.backends.add(b);
        }
        return s;
    }

    Backend get(int i) {
        return backends.get(i);
    }

    List<Backend> all() {
        return backends;
    }

    /** {@code lbkit:///127.0.0.1:p0,127.0.0.1:p1,...} */
    String staticTarget() {
        StringBuilder sb = new StringBuilder("lbkit:///");
        for (int i = 0; i < backends.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(backends.get(i).host).append(':')
                    .append(backends.get(i).port);
        }
        return sb.toString();
    }

    void resetCounts() {
        for (Backend b : backends) {
            b.calls.set(0);
        }
    }

    /** One blocking call with a deadline; returns the answering server's name. */
    static String call(Channel channel, Duration deadline) {
        return ClientCalls.blockingUnaryCall(channel, WHO,
                CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
                "who");
    }

    /** Polls {@code condition} until it holds or the deadline passes; fails the test then. */
    static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Backend b : backends) {
            b.stop();
        }
        delays.shutdownNow();
    }

    /** One server. Its behaviour fields may be changed while it runs. */
    final class Backend {
        final String name;
        final String host;
        final AtomicInteger calls = new AtomicInteger();
        /** When the last call arrived (System.nanoTime); 0 before the first. */
        volatile long lastCallNanos;
        volatile Duration delay = Duration.ZERO;
        /** Spread of the delay: each answer takes delay × (1 ± jitter), uniformly; seeded. */
        volatile double jitter;
        private final java.util.Random random = new java.util.Random(42);
        volatile Status failWith; // null: answer normally
        /**
         * grpc.health.v1 ServingStatus: 1 SERVING, 2 NOT_SERVING; 0: answer UNIMPLEMENTED. Set it
         * with {@link #serve} to tell open Watch streams too.
         */
        volatile int health = 1;
        final AtomicInteger healthChecks = new AtomicInteger();
        /**
         * Whether Health/Watch is implemented; false (the default): it answers UNIMPLEMENTED, as
         * a server with only Health/Check does.
         */
        volatile boolean watchable;
        /** When set, a Watch answers nothing and fails with this status at once. */
        volatile Status watchFailure;
        /** Watch calls received, implemented or not. */
        final AtomicInteger watchCalls = new AtomicInteger();
        /** When each Watch call arrived (System.nanoTime). */
        final java.util.Queue<Long> watchArrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** The open Watch streams; guarded by itself (pushes to one stream must not interleave). */
        private final List<io.grpc.stub.ServerCallStreamObserver<byte[]>> watchers = new ArrayList<>();
        int port;
        private Server server;

        Backend(String name, String host) {
            this.name = name;
            this.host = host;
        }

        Endpoint endpoint() {
            return Endpoint.of(host, port);
        }

        Endpoint endpoint(int weight) {
            return Endpoint.of(host, port, weight);
        }

        void start(int wantedPort) throws IOException {
            ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
                    .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                        calls.incrementAndGet();
                        lastCallNanos = System.nanoTime();
                        Status fail = failWith;
                        Runnable answer = () -> {
                            if (fail != null) {
                                response.onError(fail.asRuntimeException());
                            } else {
                                response.onNext(name);
                                response.onCompleted();
                            }
                        };
                        long d = delay.toNanos();
                        if (d == 0) {
                            answer.run();
                        } else {
                            double j = jitter;
                            if (j > 0) {
                                synchronized (random) {
                                    d = (long) (d * (1 - j + 2 * j * random.nextDouble()));
                                }
                            }
                            delays.schedule(answer, d, TimeUnit.NANOSECONDS);
                        }
                    }))
                    .build();
            ServerServiceDefinition healthService = ServerServiceDefinition
                    .builder("grpc.health.v1.Health")
                    .addMethod(HealthProtocol.CHECK, ServerCalls.asyncUnaryCall((req, resp) -> {
                        healthChecks.incrementAndGet();
                        int h = health;
                        if (h == 0) {
                            resp.onError(Status.UNIMPLEMENTED.asRuntimeException());
                        } else {
                            resp.onNext(new byte[] {0x08, (byte) h}); // field 1, varint
                            resp.onCompleted();
                        }
                    }))
                    .addMethod(HealthProtocol.WATCH, ServerCalls.asyncServerStreamingCall(
                            (req, resp) -> watch(
                                    (io.grpc.stub.ServerCallStreamObserver<byte[]>) resp)))
                    .build();
            server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
                    .forAddress(new InetSocketAddress(host, wantedPort))
                    .addService(service)
                    .addService(healthService)
                    .build()
                    .start();
            port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        }

        private void watch(io.grpc.stub.ServerCallStreamObserver<byte[]> stream) {
            watchCalls.incrementAndGet();
            watchArrivals.add(System.nanoTime());
            Status fail = watchFailure;
            if (!watchable || health == 0) {
                stream.onError(Status.UNIMPLEMENTED.withDescription("Method not found: Watch")
                        .asRuntimeException());
            } else if (fail != null) {
                stream.onError(fail.asRuntimeException());
            } else {
                synchronized (watchers) {
                    watchers.add(stream);
                    stream.setOnCancelHandler(() -> {
                        synchronized (watchers) {
                            watchers.remove(stream);
                        }
                    });
                    stream.onNext(new byte[] {0x08, (byte) health});
                }
            }
        }

        /** Sets the health status and sends it to every open Watch stream. */
        void serve(int status) {
            synchronized (watchers) {
                health = status;
                for (io.grpc.stub.ServerCallStreamObserver<byte[]> w : watchers) {
                    w.onNext(new byte[] {0x08, (byte) status});
                }
            }
        }

        /** Ends every open Watch stream with {@code status}. */
        void closeWatches(Status status) {
            synchronized (watchers) {
                for (io.grpc.stub.ServerCallStreamObserver<byte[]> w : watchers) {
                    w.onError(status.asRuntimeException());
                }
                watchers.clear();
            }
        }

        /** Watch streams open now (the client has neither cancelled them nor been refused). */
        int openWatches() {
            synchronized (watchers) {
                return watchers.size();
            }
        }

        /** Stops at once: open calls fail, connections close. */
        void stop() throws InterruptedException {
            if (server != null) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
                server = null;
            }
        }

        /** Starts again on the same port, retrying the bind for up to 5 s. */
        void restart() throws IOException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                try {
                    start(port);
                    return;
                } catch (IOException e) {
                    if (System.nanoTime() - end > 0) {
                        throw e;
                    }
                    LockSupport.parkNanos(20 * POLL_NANOS); // back-off between bind attempts
                }
            }
        }

        @Override
        public String toString() {
            return name + "@" + host + ":" + port;
        }
    }
}
