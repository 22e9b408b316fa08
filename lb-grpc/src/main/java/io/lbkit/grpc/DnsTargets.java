package io.lbkit.grpc;

import io.grpc.NameResolver;
import io.lbkit.dns.AddressFamilies;
import io.lbkit.dns.DnsEndpointGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns {@code lbkit+dns:} and {@code lbkit+srv:} targets into resolvers over lbkit's DNS
 * endpoint groups. Stateless.
 *
 * <p>{@code lbkit+dns://[nameserver[:port]]/host[:port]} follows the A/AAAA records of
 * {@code host} (all addresses, refreshed by TTL); {@code lbkit+srv://[nameserver[:port]]/
 * _service._proto.name} follows SRV records (their priority, weight and port). The optional
 * authority names the nameserver to ask, as grpc's own {@code dns://} targets do (port 53 when
 * left out); otherwise the group asks the nameservers of {@code /etc/resolv.conf}.
 *
 * <p>One query parameter, {@code ?addressFamilies=ipv4_only} (or {@code ipv6_only},
 * {@code ipv4_first}, the default, {@code ipv6_first}; any case), picks the address records
 * asked for, as {@link DnsEndpointGroup.Builder#addressFamilies} does: {@code ipv4_only} never
 * asks for AAAA records, for networks whose nameservers refuse or drop those queries.
 */
final class DnsTargets {

    static final String DNS_SCHEME = LbkitGrpc.DNS_SCHEME;
    static final String SRV_SCHEME = LbkitGrpc.SRV_SCHEME;

    private DnsTargets() {}

    /**
     * @throws IllegalArgumentException if the target is malformed; grpc's channel builder then
     *     fails with this message
     */
    static NameResolver dns(URI target, NameResolver.Args args) {
        String path = path(target, "host[:port]");
        Optional<InetSocketAddress> nameserver = nameserver(target);
        Optional<AddressFamilies> families = families(target);
        String host = path;
        int port = args.getDefaultPort();
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            host = path.substring(0, colon);
            try {
                port = Integer.parseInt(path.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw bad(target, "the port must be a number in 1..65535");
            }
        }
        DnsEndpointGroup.Builder b;
        try {
            // Only the core's checks throw here; the target's own are done above, so that the
            // message names the target once.
            b = DnsEndpointGroup.builder(host, port);
            nameserver.ifPresent(b::nameservers);
            families.ifPresent(b::addressFamilies);
        } catch (IllegalArgumentException e) {
            throw bad(target, e.getMessage());
        }
        return new GroupNameResolver(b.build(), true, path, args.getSynchronizationContext(),
                args.getScheduledExecutorService());
    }

    /** @throws IllegalArgumentException if the target is malformed */
    static NameResolver srv(URI target, NameResolver.Args args) {
        String name = path(target, "_service._proto.name");
        Optional<InetSocketAddress> nameserver = nameserver(target);
        Optional<AddressFamilies> families = families(target);
        DnsEndpointGroup.Builder b;
        try {
            b = DnsEndpointGroup.srvBuilder(name);
            nameserver.ifPresent(b::nameservers);
            families.ifPresent(b::addressFamilies);
        } catch (IllegalArgumentException e) {
            throw bad(target, e.getMessage());
        }
        return new GroupNameResolver(b.build(), true, srvAuthority(name),
                args.getSynchronizationContext(), args.getScheduledExecutorService());
    }

    /** The SRV name without its {@code _service._proto.} labels: the servers' domain. */
    static String srvAuthority(String srvName) {
        String name = srvName.endsWith(".") ? srvName.substring(0, srvName.length() - 1) : srvName;
        while (name.startsWith("_") && name.indexOf('.') > 0) {
            name = name.substring(name.indexOf('.') + 1);
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static String path(URI target, String expected) {
        String path = target.getPath() == null ? "" : target.getPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isEmpty()) {
            throw bad(target, "expected " + target.getScheme() + ":///" + expected);
        }
        return path;
    }

    /**
     * The {@code addressFamilies} query parameter, if present.
     *
     * @throws IllegalArgumentException for another parameter, a repeated one or an unknown value
     */
    static Optional<AddressFamilies> families(URI target) {
        String query = target.getRawQuery();
        if (query == null || query.isEmpty()) {
            return Optional.empty();
        }
        String allowed = Arrays.toString(AddressFamilies.values()).toLowerCase(Locale.ROOT);
        AddressFamilies families = null;
        for (String param : query.split("&", -1)) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            if (!key.equals("addressFamilies")) {
                throw bad(target, "unknown query parameter \"" + key + "\"; the one parameter"
                        + " is addressFamilies, one of " + allowed);
            }
            if (families != null) {
                throw bad(target, "addressFamilies is given twice");
            }
            try {
                families = AddressFamilies.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(target, "addressFamilies must be one of " + allowed + ", was \""
                        + value + "\"");
            }
        }
        return Optional.of(families);
    }

    /** The nameserver of the target's authority: an IP literal (a name would need DNS itself). */
    private static Optional<InetSocketAddress> nameserver(URI target) {
        if (target.getAuthority() == null || target.getAuthority().isEmpty()) {
            return Optional.empty();
        }
        String host = target.getHost();
        if (host == null) {
            throw bad(target, "the authority must be a nameserver's IP[:port], was "
                    + target.getAuthority());
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // IPv4 digits and dots, or IPv6 with at least one colon: never a name to look up.
        if (!host.matches("[0-9.]+|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")) {
            throw bad(target, "the nameserver must be an IP address, was " + host);
        }
        try {
            InetAddress ip = InetAddress.getByName(host); // a literal: no lookup
            return Optional.of(
                    new InetSocketAddress(ip, target.getPort() < 0 ? 53 : target.getPort()));
        } catch (UnknownHostException e) {
            throw bad(target, "the nameserver must be an IP address, was " + host);
        }
    }

    private static IllegalArgumentException bad(URI target, String why) {
        return new IllegalArgumentException("lbkit target " + target + ": " + why);
    }
}
