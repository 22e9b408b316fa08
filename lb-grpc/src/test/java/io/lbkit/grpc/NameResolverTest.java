package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameResolverTest {

    private static final java.util.concurrent.ScheduledExecutorService SCHEDULER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "resolver-test-scheduler");
                t.setDaemon(true);
                return t;
            });

    @org.junit.jupiter.api.AfterAll
    static void stopScheduler() {
        SCHEDULER.shutdownNow();
    }

    private final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
        throw new AssertionError(e);
    });

    private final NameResolver.Args args = NameResolver.Args.newBuilder()
            .setDefaultPort(443)
            .setProxyDetector(address -> null)
            .setSynchronizationContext(sync)
            .setScheduledExecutorService(SCHEDULER)
            .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
                @Override
                public NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> c) {
                    return NameResolver.ConfigOrError.fromConfig(c);
                }
            })
            .setChannelLogger(new io.grpc.ChannelLogger() {
                @Override
                public void log(ChannelLogLevel level, String message) {}

                @Override
                public void log(ChannelLogLevel level, String messageFormat, Object... a) {}
            })
            .build();

    /** Records results; called in the synchronization context only. */
    private static class Results extends NameResolver.Listener2 {
        final List<List<EquivalentAddressGroup>> results = new ArrayList<>();
        final List<Status> errors = new ArrayList<>();

        @Override
        public void onResult(NameResolver.ResolutionResult r) {
            results.add(r.getAddressesOrError().getValue());
        }

        @Override
        public void onError(Status error) {
            errors.add(error);
        }

        List<EquivalentAddressGroup> last() {
            return results.get(results.size() - 1);
        }
    }

    private static List<Endpoint> parse(String target) {
        return Providers.parseStaticTarget(URI.create(target), 443);
    }

    @Test
    void staticTarget_listsHostPortEntries() {
        assertEquals(List.of(Endpoint.of("10.0.0.1", 50051), Endpoint.of("10.0.0.2", 50052)),
                parse("lbkit:///10.0.0.1:50051,10.0.0.2:50052"));
    }

    @Test
    void staticTarget_takesDefaultPortAndBracketedIpv6() {
        assertEquals(List.of(Endpoint.of("10.0.0.1", 443), Endpoint.of("::1", 50051)),
                parse("lbkit:///10.0.0.1,%5B::1%5D:50051"));
    }

    @Test
    void staticTarget_rejectsMalformedEntriesNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("lbkit:///"))
                .getMessage().contains("lists no endpoint"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("lbkit:///10.0.0.1:http")).getMessage().contains("\"10.0.0.1:http\""));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("lbkit:///10.0.0.1:70000")).getMessage().contains("1..65535"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("lbkit:///10.0.0.1:1,10.0.0.1:1")).getMessage().contains("duplicate"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> parse("lbkit:///10.0.0.1:1,,10.0.0.2:1")).getMessage().contains("\"\""));
    }

    @Test
    void staticResolver_isRegisteredThroughServiceLoader() {
        NameResolverProvider p = NameResolverRegistry.getDefaultRegistry()
                .getProviderForScheme("lbkit");
        assertNotNull(p);
        assertEquals(Providers.StaticResolver.class, p.getClass());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"lbkit+dns, DnsResolver", "lbkit+srv, SrvResolver"})
    void dnsResolvers_areRegisteredThroughServiceLoader(String scheme, String provider) {
        NameResolverProvider p = NameResolverRegistry.getDefaultRegistry()
                .getProviderForScheme(scheme);
        assertNotNull(p, scheme);
        assertEquals(provider, p.getClass().getSimpleName());
    }

    @Test
    void staticResolver_deliversAddressesWithEndpointAttributes() {
        NameResolver r = LbkitGrpc.staticNameResolverProvider()
                .newNameResolver(URI.create("lbkit://orders/127.0.0.1:7001,127.0.0.2:7002"), args);
        assertEquals("orders", r.getServiceAuthority());
        Results results = new Results();
        sync.execute(() -> r.start(results));

        assertEquals(1, results.results.size());
        EquivalentAddressGroup first = results.last().get(0);
        assertEquals(new InetSocketAddress("127.0.0.1", 7001), first.getAddresses().get(0));
        assertEquals(Endpoint.of("127.0.0.1", 7001), first.getAttributes().get(LbkitGrpc.ENDPOINT));
        assertEquals(1, first.getAttributes().get(LbkitGrpc.WEIGHT));
        assertEquals(0, first.getAttributes().get(LbkitGrpc.PRIORITY));
        assertNull(first.getAttributes().get(LbkitGrpc.ZONE));
        sync.execute(r::shutdown);
    }

    @Test
    void staticResolver_withoutAuthority_usesTheFirstEntry() {
        NameResolver r = LbkitGrpc.staticNameResolverProvider()
                .newNameResolver(URI.create("lbkit:///127.0.0.1:7001,127.0.0.2:7002"), args);
        assertEquals("127.0.0.1:7001", r.getServiceAuthority());
    }

    @Test
    void otherScheme_isNotResolved() {
        assertNull(LbkitGrpc.staticNameResolverProvider()
                .newNameResolver(URI.create("dns:///example.org:443"), args));
    }

    @Test
    void groupResolver_followsGroupUpdatesWithWeightZoneAndPriority() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(Endpoint.of("127.0.0.1", 7001));
        NameResolver r = LbkitGrpc.nameResolverProvider("orders", group)
                .newNameResolver(URI.create("orders:///orders.internal"), args);
        assertEquals("orders.internal", r.getServiceAuthority());
        Results results = new Results();
        sync.execute(() -> r.start(results));
        assertEquals(1, results.results.size());

        Endpoint canary = Endpoint.builder("127.0.0.2", 7002).weight(5).zone("eu-1b").priority(1)
                .build();
        group.add(canary); // on this thread: the resolver hands it to the context

        assertEquals(2, results.results.size());
        EquivalentAddressGroup added = results.last().get(1);
        assertEquals(canary, added.getAttributes().get(LbkitGrpc.ENDPOINT));
        assertEquals(5, added.getAttributes().get(LbkitGrpc.WEIGHT));
        assertEquals("eu-1b", added.getAttributes().get(LbkitGrpc.ZONE));
        assertEquals(1, added.getAttributes().get(LbkitGrpc.PRIORITY));

        sync.execute(r::refresh);
        assertEquals(3, results.results.size(), "refresh re-publishes the current set");
        assertEquals(results.results.get(1), results.last());

        sync.execute(r::shutdown);
        group.remove(canary);
        assertEquals(3, results.results.size(), "nothing after shutdown");
        assertEquals(1, group.endpoints().size(), "a shared group is not closed by the resolver");
        group.close();
    }

    @Test
    void groupResolver_deliversAnEmptyGroupAsAnEmptyList() {
        DynamicEndpointGroup group = EndpointGroup.dynamic();
        NameResolver r = LbkitGrpc.nameResolverProvider("empty", group)
                .newNameResolver(URI.create("empty:///x"), args);
        Results results = new Results();
        sync.execute(() -> r.start(results));
        assertEquals(List.of(List.of()), results.results);
        sync.execute(r::shutdown);
    }

    @Test
    void groupNeverReady_isReportedAsAnErrorAfterTheTimeoutThenResolves() throws Exception {
        NeverReadyGroup group = new NeverReadyGroup();
        java.util.concurrent.ScheduledExecutorService scheduler =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            GroupNameResolver r = new GroupNameResolver(group, true, "x", sync, scheduler,
                    java.time.Duration.ofMillis(20));
            java.util.concurrent.CountDownLatch error = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch result = new java.util.concurrent.CountDownLatch(1);
            Results results = new Results() {
                @Override
                public void onError(Status e) {
                    super.onError(e);
                    error.countDown();
                }

                @Override
                public void onResult(NameResolver.ResolutionResult r) {
                    super.onResult(r);
                    result.countDown();
                }
            };
            sync.execute(() -> r.start(results));
            assertTrue(error.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(Status.Code.UNAVAILABLE, results.errors.get(0).getCode());
            assertTrue(results.errors.get(0).getDescription().contains("no endpoints yet"));

            group.publish(List.of(Endpoint.of("127.0.0.1", 7001)));
            assertTrue(result.await(10, java.util.concurrent.TimeUnit.SECONDS),
                    "the late snapshot still arrives");
            java.util.concurrent.CountDownLatch down = new java.util.concurrent.CountDownLatch(1);
            sync.execute(() -> {
                r.shutdown();
                down.countDown();
            });
            assertTrue(down.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(group.closed(), "a group the resolver made is closed with it");
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** A group that is ready only when the test says (a DNS group waiting for its answer). */
    private static final class NeverReadyGroup extends io.lbkit.AbstractEndpointGroup {
        void publish(List<Endpoint> endpoints) {
            update(endpoints);
        }

        boolean closed() {
            return isClosed();
        }
    }

    @Test
    void nameResolverProvider_rejectsABadScheme() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LbkitGrpc.nameResolverProvider("1x", EndpointGroup.dynamic()))
                .getMessage().contains("scheme"));
    }
}
