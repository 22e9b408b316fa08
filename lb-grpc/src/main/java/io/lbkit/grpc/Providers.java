package io.lbkit.grpc;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The holder of lb-grpc's {@link java.util.ServiceLoader} providers. Package-private so that the
 * providers stay out of the API: ServiceLoader needs them public, users reach them through
 * {@link LbkitGrpc}.
 */
final class Providers {

    private Providers() {}

    /** The {@code lbkit} load-balancing policy. Immutable and thread-safe. */
    public static final class Policy extends LoadBalancerProvider {

        /** For ServiceLoader. */
        public Policy() {}

        @Override
        public boolean isAvailable() {
            return true;
        }

        /** 5: grpc's default priority for providers; no other provider uses the name. */
        @Override
        public int getPriority() {
            return 5;
        }

        @Override
        public String getPolicyName() {
            return LbkitGrpc.POLICY_NAME;
        }

        @Override
        public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> config) {
            return PolicyConfig.parse(config);
        }

        @Override
        public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
            return new LbkitLoadBalancer(helper);
        }
    }

    /** Resolves {@code lbkit:} static targets. Immutable and thread-safe. */
    public static final class StaticResolver extends SchemeResolverProvider {

        /** For ServiceLoader. */
        public StaticResolver() {
            super(LbkitGrpc.STATIC_SCHEME, Providers::staticResolver);
        }
    }

    /** Resolves {@code lbkit+dns:} targets (A/AAAA); see {@link DnsTargets}. Thread-safe. */
    public static final class DnsResolver extends SchemeResolverProvider {

        /** For ServiceLoader. */
        public DnsResolver() {
            super(DnsTargets.DNS_SCHEME, DnsTargets::dns);
        }
    }

    /** Resolves {@code lbkit+srv:} targets (SRV); see {@link DnsTargets}. Thread-safe. */
    public static final class SrvResolver extends SchemeResolverProvider {

        /** For ServiceLoader. */
        public SrvResolver() {
            super(DnsTargets.SRV_SCHEME, DnsTargets::srv);
        }
    }

    /**
     * The resolver of an {@code lbkit:} static target.
     *
     * @throws IllegalArgumentException if the target lists no endpoint or a malformed one;
     *     grpc's channel builder then fails with this message
     */
    private static NameResolver staticResolver(URI target, NameResolver.Args args) {
        List<Endpoint> endpoints = parseStaticTarget(target, args.getDefaultPort());
        String authority = target.getAuthority() != null && !target.getAuthority().isEmpty()
                ? target.getAuthority()
                : endpoints.get(0).address();
        return new GroupNameResolver(EndpointGroup.of(endpoints), true, authority,
                args.getSynchronizationContext(), args.getScheduledExecutorService());
    }

    /**
     * The endpoints of {@code lbkit:///host:port,host:port}: comma-separated, IPv6 hosts in
     * brackets, a missing port taken from {@code defaultPort}.
     */
    static List<Endpoint> parseStaticTarget(URI target, int defaultPort) {
        String path = target.getPath() == null ? "" : target.getPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isBlank()) {
            throw new IllegalArgumentException("lbkit target " + target
                    + " lists no endpoint; expected lbkit:///host:port[,host:port...]");
        }
        List<Endpoint> out = new ArrayList<>();
        for (String entry : path.split(",", -1)) {
            out.add(parseHostPort(target, entry.strip(), defaultPort));
        }
        try {
            return List.copyOf(EndpointGroup.of(out).endpoints());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lbkit target " + target + ": " + e.getMessage(), e);
        }
    }

    private static Endpoint parseHostPort(URI target, String entry, int defaultPort) {
        String host;
        String port;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw badEntry(target, entry, "an IPv6 host needs its closing ]");
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw badEntry(target, entry, "expected :port after ]");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = entry.lastIndexOf(':');
            if (colon != entry.indexOf(':')) {
                throw badEntry(target, entry, "an IPv6 host must be in brackets, as [::1]:50051");
            }
            host = colon < 0 ? entry : entry.substring(0, colon);
            port = colon < 0 ? null : entry.substring(colon + 1);
        }
        int p = defaultPort;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw badEntry(target, entry, "the port must be a number in 1..65535");
            }
        }
        try {
            return Endpoint.of(host, p);
        } catch (IllegalArgumentException e) {
            throw badEntry(target, entry, e.getMessage());
        }
    }

    private static IllegalArgumentException badEntry(URI target, String entry, String why) {
        return new IllegalArgumentException(
                "lbkit target " + target + ": bad endpoint \"" + entry + "\": " + why);
    }
}
