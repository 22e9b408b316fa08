package io.lbkit.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;
import java.util.function.BiFunction;

/**
 * The shared part of lb-grpc's name resolver providers: one scheme and how to resolve its
 * targets, always available, grpc's default priority. Immutable and thread-safe. Each subclass
 * passes its scheme and resolver function ({@link java.util.ServiceLoader} needs a class
 * per provider).
 */
abstract class SchemeResolverProvider extends NameResolverProvider {

    private final String scheme;
    private final BiFunction<URI, NameResolver.Args, NameResolver> resolve;

    /** @param resolve builds the resolver for a target whose scheme is {@code scheme} */
    SchemeResolverProvider(String scheme,
            BiFunction<URI, NameResolver.Args, NameResolver> resolve) {
        this.scheme = scheme;
        this.resolve = resolve;
    }

    @Override
    public final NameResolver newNameResolver(URI target, NameResolver.Args args) {
        return scheme.equalsIgnoreCase(target.getScheme()) ? resolve.apply(target, args) : null;
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
