package io.lbkit.health;

import io.lbkit.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link HealthProbe#tcp()}. */
enum TcpProbe implements HealthProbe {
    INSTANCE;

    @Override
    public CompletionStage<Boolean> check(Endpoint endpoint) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        AsynchronousSocketChannel channel;
        try {
            channel = AsynchronousSocketChannel.open();
        } catch (IOException e) {
            result.completeExceptionally(e);
            return result;
        }
        // When the health checker times the probe out it cancels the stage: close the channel.
        result.whenComplete((ok, error) -> closeQuietly(channel));
        try {
            channel.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), null,
                    new CompletionHandler<Void, Void>() {
                        @Override
                        public void completed(Void v, Void attachment) {
                            result.complete(true);
                        }

                        @Override
                        public void failed(Throwable error, Void attachment) {
                            result.completeExceptionally(error);
                        }
                    });
        } catch (RuntimeException e) { // unresolved address, closed channel
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void closeQuietly(AsynchronousSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do: the probe's outcome is already decided
        }
    }

    @Override
    public String toString() {
        return "HealthProbe.tcp()";
    }
}
