package io.lbkit.dns;

/**
 * Which address records a DNS endpoint group asks for, and in which order their endpoints appear
 * in the group's snapshot. Immutable. Within one family, endpoints are sorted by address, so a
 * nameserver that rotates its answers (DNS round robin) does not make the group publish a new
 * snapshot.
 */
public enum AddressFamilies {
    /** A records only. */
    IPV4_ONLY(DnsMessage.TYPE_A),
    /** AAAA records only. */
    IPV6_ONLY(DnsMessage.TYPE_AAAA),
    /** A and AAAA records; IPv4 endpoints first. The default, like the JDK's own default. */
    IPV4_FIRST(DnsMessage.TYPE_A, DnsMessage.TYPE_AAAA),
    /** A and AAAA records; IPv6 endpoints first. */
    IPV6_FIRST(DnsMessage.TYPE_AAAA, DnsMessage.TYPE_A);

    private final int[] types;

    AddressFamilies(int... types) {
        this.types = types;
    }

    /** The record types to query, in snapshot order. */
    int type(int i) {
        return types[i];
    }

    int typeCount() {
        return types.length;
    }
}
