package io.lbkit.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.lbkit.EndpointGroup;
import java.net.URI;

/**
 * Resolves every target of one scheme to one shared {@link EndpointGroup}; see
 * {@link LbkitGrpc#nameResolverProvider(String, EndpointGroup)}. Immutable and thread-safe.
 */
final class GroupResolverProvider extends NameResolverProvider {

    private final String scheme;
    private final EndpointGroup group;

    GroupResolverProvider(String scheme, EndpointGroup group) {
        this.scheme = scheme;
        this.group = group;
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!scheme.equalsIgnoreCase(target.getScheme())) {
            return null;
        }
        return new GroupNameResolver(group, false, authority(target), args.getSynchronizationContext(),
                    args.getScheduledExecutorService());
    }

    /** The target's authority, else its path without the leading slash, else the scheme. */
    private String authority(URI target) {
        if (target.getAuthority() != null && !target.getAuthority().isEmpty()) {
            return target.getAuthority();
        }
        String path = target.getPath() == null ? "" : target.getPath();
        path = path.startsWith("/") ? path.substring(1) : path;
        return path.isEmpty() ? scheme : path;
    }

    @Override
    public String getDefaultScheme() {
        return scheme;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    /** 5: grpc's default priority for providers. */
    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public String toString() {
        return "lbkit resolver " + scheme + ": -> " + group;
    }
}
