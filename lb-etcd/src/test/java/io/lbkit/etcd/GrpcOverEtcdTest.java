package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.lbkit.Endpoint;
import io.lbkit.grpc.LbkitGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC over etcd with lb-grpc's provider mechanism: {@code LbkitGrpc.nameResolverProvider} over
 * an EtcdEndpointGroup, as docs/etcd.md shows; real grpc-java Netty servers register themselves.
 */
@Timeout(60)
class GrpcOverEtcdTest {

    private static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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

    private static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("test.Echo/Who")
            .setRequestMarshaller(STRING)
            .setResponseMarshaller(STRING)
            .build();

    private static Server echo(String name) throws IOException {
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                            response.onNext(name);
                            response.onCompleted();
                        }))
                        .build())
                .build()
                .start();
    }

    private static Set<String> answers(ManagedChannel channel, int calls) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < calls; i++) {
            seen.add(ClientCalls.blockingUnaryCall(channel, WHO,
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "who"));
        }
        return seen;
    }

    @Test
    void lbkitEtcdTarget_followsRegistrations(@TempDir Path dir) throws Exception {
        List<Server> servers = new ArrayList<>();
        List<EtcdRegistration> registrations = new ArrayList<>();
        try (EtcdProcesses etcd = EtcdProcesses.single(dir);
                EtcdClient client = etcd.client();
                EtcdEndpointGroup orders = EtcdEndpointGroup.of(client, "/services/grpc-orders/")) {
            for (String name : List.of("g0", "g1")) {
                Server s = echo(name);
                servers.add(s);
                registrations.add(EtcdRegistration.builder(client, "/services/grpc-orders/",
                        Endpoint.of("127.0.0.1", s.getPort())).build());
            }
            await("two registered", Duration.ofSeconds(10), () -> orders.endpoints().size() == 2);

            NameResolverProvider provider = LbkitGrpc.nameResolverProvider("lbkit+etcd", orders);
            NameResolverRegistry.getDefaultRegistry().register(provider);
            ManagedChannel channel = Grpc.newChannelBuilder("lbkit+etcd:///orders",
                            InsecureChannelCredentials.create())
                    .defaultServiceConfig(Map.of("loadBalancingConfig",
                            List.of(Map.of("lbkit", Map.of("strategy", "round_robin")))))
                    .build();
            try {
                assertEquals(Set.of("g0", "g1"), answers(channel, 20));

                Server s2 = echo("g2");
                servers.add(s2);
                registrations.add(EtcdRegistration.builder(client, "/services/grpc-orders/",
                        Endpoint.of("127.0.0.1", s2.getPort())).build());
                await("g2 receiving calls", Duration.ofSeconds(10), () -> answers(channel, 6).contains("g2"));

                registrations.get(0).close();
                await("g0 no longer called", Duration.ofSeconds(10),
                        () -> answers(channel, 6).equals(Set.of("g1", "g2")));
                assertEquals(Set.of("g1", "g2"), answers(channel, 30));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                NameResolverRegistry.getDefaultRegistry().deregister(provider);
            }
        } finally {
            for (EtcdRegistration r : registrations) {
                r.abandon();
            }
            for (Server s : servers) {
                s.shutdownNow();
            }
        }
    }
}
