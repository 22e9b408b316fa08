package io.lbkit.grpc;

import io.lbkit.EndpointGroup;
import java.net.URI;

/**
 * Resolves every target of one scheme to one shared {@link EndpointGroup}; see
 * {@link LbkitGrpc#nameResolverProvider(String, EndpointGroup)}. Immutable and thread-safe.
 */
final class GroupResolverProvider extends SchemeResolverProvider {

    private final String scheme;
    private final EndpointGroup group;

    GroupResolverProvider(String scheme, EndpointGroup group) {
        super(scheme, (target, args) -> new GroupNameResolver(group, false,
                authority(scheme, target), args.getSynchronizationContext(),
                args.getScheduledExecutorService()));
        this.scheme = scheme;
        this.group = group;
    }

    /** The target's authority, else its path without the leading slash, else the scheme. */
    private static String authority(String scheme, URI target) {
        if (target.getAuthority() != null && !target.getAuthority().isEmpty()) {
            return target.getAuthority();
        }
        String path = target.getPath() == null ? "" : target.getPath();
        path = path.startsWith("/") ? path.substring(1) : path;
        return path.isEmpty() ? scheme : path;
    }

    @Override
    public String toString() {
        return "lbkit resolver " + scheme + ": -> " + group;
    }
}
