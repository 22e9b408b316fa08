package io.lbkit.grpc;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.lbkit.Endpoint;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An address group from grpc's name resolution and the lbkit endpoint it stands for: the mapping
 * between grpc addresses and lbkit endpoints. Immutable.
 */
record ResolvedAddress(EquivalentAddressGroup eag, Endpoint endpoint) {

    /**
     * The endpoint an lbkit resolver attached, or one made from the first socket address
     * (weight from {@link LbkitGrpc#WEIGHT} if set) for addresses from other resolvers.
     */
    static ResolvedAddress of(EquivalentAddressGroup eag) {
        Attributes a = eag.getAttributes();
        Endpoint e = a.get(LbkitGrpc.ENDPOINT);
        if (e == null) {
            SocketAddress first = eag.getAddresses().get(0);
            Endpoint.Builder b;
            if (first instanceof InetSocketAddress) {
                InetSocketAddress inet = (InetSocketAddress) first;
                // The IP, not getHostString(): grpc's DNS resolver attaches the looked-up
                // name to every address, which would make them all one endpoint.
                String host = inet.isUnresolved() ? inet.getHostString()
                        : inet.getAddress().getHostAddress();
                b = Endpoint.builder(host, inet.getPort());
            } else {
                // Not an IP address (in-process, Unix socket): its text is its identity,
                // made a valid host name (a path's '/' and the like are not).
                b = Endpoint.builder(hostFor(first.toString()), 1);
            }
            Integer weight = a.get(LbkitGrpc.WEIGHT);
            if (weight != null) {
                b.weight(Math.max(Endpoint.MIN_WEIGHT, Math.min(Endpoint.MAX_WEIGHT, weight)));
            }
            e = b.build();
        }
        return new ResolvedAddress(eag, e);
    }

    /**
     * A host name standing for a non-IP address's text: the text with every character other than
     * a letter, digit, '.', '-' or '_' replaced by '_', lower-cased (Endpoint hosts are), and a
     * hash of the exact text appended so that texts differing only there stay distinct.
     */
    static String hostFor(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 9);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            sb.append(plain ? Character.toLowerCase(c) : '_');
        }
        return sb.append('-').append(Integer.toHexString(text.hashCode())).toString();
    }
}
