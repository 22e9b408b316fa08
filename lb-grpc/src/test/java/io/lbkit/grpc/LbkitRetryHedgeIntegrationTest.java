package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc's own retries and hedges with the {@code lbkit} policy and
 * {@link LbkitGrpc#avoidPreviousEndpoints()}, against real grpc-java Netty servers on 127.0.0.1.
 * Every call carries a hash key, so that an ordinary pick sends all its attempts to one server:
 * what moves a later attempt elsewhere is the interceptor. The servers answer by the attempt
 * number grpc puts in {@code grpc-previous-rpc-attempts}: the first attempt of every call fails
 * ({@code UNAVAILABLE}) or hangs, later attempts answer with the server's name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LbkitRetryHedgeIntegrationTest {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Metadata.Key<String> X_ID =
            Metadata.Key.of("x-id", Metadata.ASCII_STRING_MARSHALLER);

    @RegisterExtension
    final TestResources resources = new TestResources();

    /** Per call id: the servers its attempts reached, in arrival order. */
    private final Map<String, List<String>> seen = new ConcurrentHashMap<>();
    /** Per call id: the server its first attempt (no grpc-previous-rpc-attempts) reached. */
    private final Map<String, String> firstAt = new ConcurrentHashMap<>();
    /** "id@server" of every attempt the client cancelled. */
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    private enum FirstAttempt { FAILS, HANGS }

    private String startServers(int count, FirstAttempt first) throws IOException {
        StringBuilder target = new StringBuilder("lbkit:///");
        for (int i = 0; i < count; i++) {
            String name = "s" + i;
            ServerCallHandler<String, String> handler = (call, headers) -> {
                String id = headers.get(X_ID);
                boolean firstAttempt = !headers.containsKey(PreviousAttempts.PREVIOUS_RPC_ATTEMPTS)
                        && !id.startsWith("warm"); // warm-up calls are answered at once
                seen.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(name);
                if (firstAttempt) {
                    firstAt.put(id, name);
                }
                call.request(1);
                return new ServerCall.Listener<>() {
                    @Override
                    public void onHalfClose() {
                        if (firstAttempt && first == FirstAttempt.HANGS) {
                            return; // answers nothing: the client's deadline or a hedge ends it
                        }
                        if (firstAttempt) {
                            call.close(Status.UNAVAILABLE.withDescription(name + " refuses"),
                                    new Metadata());
                            return;
                        }
                        call.sendHeaders(new Metadata());
                        call.sendMessage(name);
                        call.close(Status.OK, new Metadata());
                    }

                    @Override
                    public void onCancel() {
                        cancelled.add(id + "@" + name);
                    }
                };
            };
            Server server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
                    .forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(ServerServiceDefinition.builder("test.Echo")
                            .addMethod(EchoServers.WHO, handler).build())
                    .build()
                    .start();
            resources.add(() -> {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            });
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            target.append(i == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        return target.toString();
    }

    private ManagedChannel channel(String target, Map<String, ?> methodPolicy,
            boolean avoidPrevious) {
        Map<String, ?> config = Map.of(
                "loadBalancingConfig", List.of(Map.of("lbkit", Map.of("strategy", "ring_hash"))),
                "methodConfig", List.of(Map.of(
                        "name", List.of(Map.of("service", "test.Echo")),
                        methodPolicy.keySet().iterator().next(),
                        methodPolicy.values().iterator().next())));
        var builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultServiceConfig(config);
        if (avoidPrevious) {
            builder.intercept(LbkitGrpc.avoidPreviousEndpoints());
        }
        ManagedChannel ch = builder.build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    private static Map<String, ?> retryPolicy() {
        return Map.of("retryPolicy", Map.of(
                "maxAttempts", 3.0,
                "initialBackoff", "0.01s",
                "maxBackoff", "0.05s",
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", List.of("UNAVAILABLE")));
    }

    private static Map<String, ?> hedgingPolicy() {
        return Map.of("hedgingPolicy", Map.of(
                "maxAttempts", 2.0,
                "hedgingDelay", "0.1s",
                "nonFatalStatusCodes", List.of("UNAVAILABLE")));
    }

    /** One call with id {@code id} and hash key {@code key}; the answering server's name. */
    private static String call(ManagedChannel ch, String id, String key) {
        Metadata headers = new Metadata();
        headers.put(X_ID, id);
        return ClientCalls.blockingUnaryCall(
                ClientInterceptors.intercept(ch,
                        MetadataUtils.newAttachHeadersInterceptor(headers)),
                EchoServers.WHO,
                CallOptions.DEFAULT.withOption(LbkitGrpc.HASH_KEY, key)
                        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                "who");
    }

    /**
     * Calls (answered at once) until every server has answered one: every subchannel is READY,
     * so that a later attempt has another endpoint to go to.
     */
    private void warmUp(ManagedChannel ch) throws InterruptedException {
        Set<String> answered = ConcurrentHashMap.newKeySet();
        int[] n = {0};
        EchoServers.await("every server to answer", Duration.ofSeconds(15), () -> {
            answered.add(call(ch, "warm" + n[0], "warm-" + n[0]++));
            return answered.size() == 3;
        });
    }

    @Test
    void retry_goesToAnotherServer_thanTheFailedAttempt() throws Exception {
        ManagedChannel ch = channel(startServers(3, FirstAttempt.FAILS), retryPolicy(), true);
        warmUp(ch);
        for (int i = 0; i < 12; i++) {
            String id = "r" + i;
            String answer = call(ch, id, "user-" + i);
            List<String> reached = seen.get(id);
            assertEquals(2, reached.size(), id + " reached " + reached);
            assertNotEquals(reached.get(0), reached.get(1),
                    id + ": the retry went to the server that had just failed it");
            assertEquals(reached.get(1), answer);
            assertEquals(firstAt.get(id), reached.get(0));
        }
    }

    @Test
    void withoutTheInterceptor_theHashKeySendsTheRetryToTheSameServer() throws Exception {
        // The control: what the interceptor changes. One failure: no outlier detection yet.
        ManagedChannel ch = channel(startServers(3, FirstAttempt.FAILS), retryPolicy(), false);
        warmUp(ch);
        String answer = call(ch, "c", "user-1");
        List<String> reached = seen.get("c");
        assertEquals(2, reached.size(), reached.toString());
        assertEquals(reached.get(0), reached.get(1), "grpc retried, lbkit picked the key again");
        assertEquals(reached.get(0), answer);
    }

    @Test
    void hedge_goesToAnotherServer_andTheSlowAttemptIsCancelled() throws Exception {
        ManagedChannel ch = channel(startServers(3, FirstAttempt.HANGS), hedgingPolicy(), true);
        warmUp(ch);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "h" + i;
            ids.add(id);
            String answer = call(ch, id, "user-" + i);
            List<String> reached = seen.get(id);
            assertEquals(2, reached.size(), id + " reached " + reached);
            assertNotEquals(reached.get(0), reached.get(1),
                    id + ": the hedge went to the server of the hanging attempt");
            assertNotEquals(firstAt.get(id), answer, "the hedge answered");
        }
        EchoServers.await("every hanging attempt to be cancelled", Duration.ofSeconds(10),
                () -> ids.stream().allMatch(id -> cancelled.contains(id + "@" + firstAt.get(id))));
    }
}
