package io.lbkit.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A grpc-java Netty server with grpc's standard health service ({@link HealthStatusManager})
 * and the echo method, counting its calls and the Watch streams open on it.
 */
final class StandardHealthServer {
    final HealthStatusManager manager = new HealthStatusManager();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicLong lastCallNanos = new AtomicLong();
    final java.util.Queue<Long> arrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final AtomicInteger openWatches = new AtomicInteger();
    final AtomicInteger watchCalls = new AtomicInteger();
    final Server server;
    final int port;

    StandardHealthServer(String name) throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(EchoServers.WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    long now = System.nanoTime();
                    lastCallNanos.set(now);
                    arrivals.add(now);
                    calls.incrementAndGet();
                    response.onNext(name);
                    response.onCompleted();
                }))
                .build();
        server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
                .forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(echo)
                .addService(ServerInterceptors.intercept(manager.getHealthService(),
                        new WatchCounter()))
                .build()
                .start();
        port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    long callsAfter(long nanos) {
        return arrivals.stream().filter(t -> t - nanos > 0).count();
    }

    void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Counts the Watch calls open on the server: started, not yet closed or cancelled. */
    private final class WatchCounter implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
                Metadata headers, ServerCallHandler<Q, R> next) {
            if (!call.getMethodDescriptor().getFullMethodName().endsWith("/Watch")) {
                return next.startCall(call, headers);
            }
            watchCalls.incrementAndGet();
            openWatches.incrementAndGet();
            AtomicBoolean ended = new AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    openWatches.decrementAndGet();
                }
            };
            ServerCall<Q, R> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    end.run();
                    super.close(status, trailers);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                    next.startCall(counted, headers)) {
                @Override
                public void onCancel() {
                    end.run();
                    super.onCancel();
                }

                @Override
                public void onComplete() {
                    end.run();
                    super.onComplete();
                }
            };
        }
    }
}
