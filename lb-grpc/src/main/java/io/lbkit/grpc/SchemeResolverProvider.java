package io.lbkit.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;

/**
 * The shared part of lb-grpc's name resolver providers: one scheme, always available, grpc's
 * default priority. Immutable and thread-safe; subclasses build the resolver for targets of
 * their scheme.
 */
abstract class SchemeResolverProvider extends NameResolverProvider {

    private final String scheme;

    SchemeResolverProvider(String scheme) {
        this.scheme = scheme;
    }

    /** A resolver for a target whose scheme is this provider's. */
    abstract NameResolver resolve(URI target, NameResolver.Args args);

    @Override
    public final NameResolver newNameResolver(URI target, NameResolver.Args args) {
        return scheme.equalsIgnoreCase(target.getScheme()) ? resolve(target, args) : null;
    }

    @Override
    public final String getDefaultScheme() {
        return scheme;
    }

    @Override
    protected final boolean isAvailable() {
        return true;
    }

    /** 5: grpc's default priority for providers. */
    @Override
    protected final int priority() {
        return 5;
    }
}
