/**
 * lbkit for grpc-java: name resolvers over lbkit endpoint groups and the {@code lbkit}
 * load-balancing policy. Depends on lb-core and grpc-api (automatic module {@code io.grpc}).
 */
module io.lbkit.grpc {
    requires transitive io.lbkit.core;
    requires transitive io.grpc;

    exports io.lbkit.grpc;

    provides io.grpc.LoadBalancerProvider with io.lbkit.grpc.Providers.Policy;
    provides io.grpc.NameResolverProvider with io.lbkit.grpc.Providers.StaticResolver,
            io.lbkit.grpc.Providers.DnsResolver, io.lbkit.grpc.Providers.SrvResolver;
}
