package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolverProvider;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.health.HealthProbe;
import java.time.Duration;
import java.util.function.Function;

/**
 * lbkit for grpc-java: the {@code lbkit} load-balancing policy and name resolvers over lbkit
 * endpoint groups. Thread-safe: every member is a constant or a factory of immutable providers.
 *
 * <p>Both are registered through {@link java.util.ServiceLoader} (in {@code META-INF/services} and
 * in {@code module-info}), so naming a target and the policy is enough:
 *
 * <pre>{@code
 * ManagedChannel channel = Grpc.newChannelBuilder(
 *                 "lbkit:///10.0.0.1:50051,10.0.0.2:50051", InsecureChannelCredentials.create())
 *         .defaultServiceConfig(Map.of("loadBalancingConfig",
 *                 List.of(Map.of("lbkit", Map.of("strategy", "peak_ewma")))))
 *         .build();
 * }</pre>
 *
 * <p>The factories here give the same providers for explicit registration (with
 * {@link io.grpc.NameResolverRegistry#register} and {@link io.grpc.LoadBalancerRegistry#register}),
 * and {@link #nameResolverProvider(String, EndpointGroup)} resolves a scheme of one's own to any
 * {@link EndpointGroup}, a {@link io.lbkit.DynamicEndpointGroup} that the application changes at
 * run time, say.
 *
 * <p>Resolved addresses carry the lbkit {@link Endpoint} and its weight, zone and priority as
 * {@link io.grpc.EquivalentAddressGroup} attributes ({@link #ENDPOINT}, {@link #WEIGHT},
 * {@link #ZONE}, {@link #PRIORITY}). The policy's traffic split (config field {@code split})
 * assigns each endpoint to a route by one of its {@linkplain Endpoint#attributes() attributes}.
 */
public final class LbkitGrpc {

    /** The policy name for {@code loadBalancingConfig}: {@value}. */
    public static final String POLICY_NAME = "lbkit";

    /**
     * The scheme of static targets: {@value}. {@code lbkit:///10.0.0.1:50051,10.0.0.2:50051} lists
     * {@code host:port} entries (IPv6 in brackets) separated by commas; an authority, as in
     * {@code lbkit://orders/10.0.0.1:50051}, becomes the channel's authority (otherwise the first
     * entry is). Host names are resolved once, when the resolver starts.
     */
    public static final String STATIC_SCHEME = "lbkit";

    /**
     * The scheme of DNS A/AAAA targets: {@value}. {@code lbkit+dns:///orders.internal:50051}
     * follows every address of the name, re-resolved by TTL (lbkit's DNS endpoint group); an
     * authority names the nameserver, as in {@code lbkit+dns://10.0.0.53:53/orders.internal}.
     */
    public static final String DNS_SCHEME = "lbkit+dns";

    /**
     * The scheme of DNS SRV targets: {@value}. {@code lbkit+srv:///_grpc._tcp.orders.internal}
     * follows the SRV records (ports, weights, priorities); an authority names the nameserver.
     */
    public static final String SRV_SCHEME = "lbkit+srv";

    /** The lbkit endpoint an address group was resolved from. */
    public static final Attributes.Key<Endpoint> ENDPOINT = Attributes.Key.create("io.lbkit.endpoint");

    /** The endpoint's {@linkplain Endpoint#weight() weight}, an {@link Integer}. */
    public static final Attributes.Key<Integer> WEIGHT = Attributes.Key.create("io.lbkit.weight");

    /** The endpoint's {@linkplain Endpoint#zone() zone}; absent when the endpoint has none. */
    public static final Attributes.Key<String> ZONE = Attributes.Key.create("io.lbkit.zone");

    /** The endpoint's {@linkplain Endpoint#priority() priority}, an {@link Integer}. */
    public static final Attributes.Key<Integer> PRIORITY = Attributes.Key.create("io.lbkit.priority");

    /**
     * A call's hash key for the hash strategies ({@code ring_hash}, {@code maglev},
     * {@code bounded_load}, {@code rendezvous}): calls with equal keys go to the same endpoint
     * while the set of endpoints stays the same. Set it per call with
     * {@code stub.withOption(LbkitGrpc.HASH_KEY, "user-42")}; it takes precedence over the
     * config's {@code hashHeader}. Without a key, hash strategies pick at random.
     */
    public static final CallOptions.Key<CharSequence> HASH_KEY =
            CallOptions.Key.create("io.lbkit.hashKey");

    private LbkitGrpc() {}

    /**
     * An interceptor that lets the {@value #POLICY_NAME} policy send each retried or hedged
     * attempt of a call to an endpoint that no earlier attempt of the call used (when another is
     * eligible, and preferring one not known to be failing). Install it on the channel, next to
     * grpc's own {@code retryPolicy} or {@code hedgingPolicy} in the service config:
     *
     * <pre>{@code
     * ManagedChannel channel = Grpc.newChannelBuilder(target, credentials)
     *         .defaultServiceConfig(config)                  // lbkit policy + retry/hedging policy
     *         .intercept(LbkitGrpc.avoidPreviousEndpoints())
     *         .build();
     * }</pre>
     *
     * <p>grpc-java sends every attempt through the picker again, with the attempt count in the
     * {@code grpc-previous-rpc-attempts} header but not where the earlier attempts went; this
     * interceptor gives each call a small record of that (one allocation per call), shared by the
     * call's attempts through its {@link CallOptions}. Without it, a later attempt is an ordinary
     * pick, which may land on the endpoint that just failed or is still slow. Later attempts do not
     * follow the call's hash key: the key's endpoint is the one the first attempt used. Calls on
     * channels without the {@value #POLICY_NAME} policy are unaffected.
     */
    public static ClientInterceptor avoidPreviousEndpoints() {
        return PreviousAttempts.Interceptor.INSTANCE;
    }

    /** The provider of the {@value #POLICY_NAME} load-balancing policy (also found by ServiceLoader). */
    public static LoadBalancerProvider loadBalancerProvider() {
        return new Providers.Policy();
    }

    /**
     * The resolver provider of {@value #STATIC_SCHEME}{@code :} targets (also found by
     * ServiceLoader).
     */
    public static NameResolverProvider staticNameResolverProvider() {
        return new Providers.StaticResolver();
    }

    /** The resolver provider of {@value #DNS_SCHEME}{@code :} targets (also found by ServiceLoader). */
    public static NameResolverProvider dnsNameResolverProvider() {
        return new Providers.DnsResolver();
    }

    /** The resolver provider of {@value #SRV_SCHEME}{@code :} targets (also found by ServiceLoader). */
    public static NameResolverProvider srvNameResolverProvider() {
        return new Providers.SrvResolver();
    }

    /**
     * A {@link HealthProbe} that asks {@code grpc.health.v1.Health/Check} about {@code service}
     * ({@code ""}: the server as a whole), for lbkit's active health checks
     * ({@link io.lbkit.health.HealthCheck}) over gRPC servers. Healthy when the answer is
     * {@code SERVING}; a server without the health service ({@code UNIMPLEMENTED}) counts as
     * healthy, as in grpc's own client-side health checking. The {@code lbkit} policy uses this
     * probe when its config has {@code healthCheck}.
     *
     * @param timeout the deadline of each check
     * @param channels the channel to each endpoint; may return null, which fails the check
     */
    public static HealthProbe healthProbe(String service, Duration timeout,
            Function<Endpoint, Channel> channels) {
        return new GrpcHealthProbe(service, timeout, channels);
    }

    /**
     * A resolver provider that resolves every target of the given scheme to the given group. The
     * target's path (or authority) becomes the channel's authority. The group is shared: resolvers
     * subscribe to it and never close it; the application closes it after its channels.
     *
     * @param scheme a URI scheme, for example {@code "orders"} for targets {@code orders:///orders}
     * @throws IllegalArgumentException if the scheme is not a valid URI scheme
     */
    public static NameResolverProvider nameResolverProvider(String scheme, EndpointGroup group) {
        requireNonNull(scheme, "scheme");
        requireNonNull(group, "group");
        if (!scheme.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            throw new IllegalArgumentException(
                    "scheme must match [A-Za-z][A-Za-z0-9+.-]*, was \"" + scheme + "\"");
        }
        return new GroupResolverProvider(scheme.toLowerCase(java.util.Locale.ROOT), group);
    }
}
