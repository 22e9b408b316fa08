package io.lbkit.dns;

import io.lbkit.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns DNS answers into endpoint lists: address lookups and SRV lookups.
 *
 * <p>The rules, shared by both kinds of group:
 * <ul>
 *   <li>Every (name, record type) query of one resolution runs concurrently on the group's
 *       query pool (at most {@link Resolver#MAX_CONCURRENT_QUERIES} at once), and the whole resolution
 *       is cut off at the group's {@code refreshTimeout}: a query still unanswered then counts
 *       as failed.</li>
 *   <li>A query that fails (timeout, SERVFAIL, REFUSED, malformed answer) keeps the last good
 *       addresses it gave, if it gave any; a query answered with no records or NXDOMAIN gives
 *       none. When every query of a resolution fails, or the only addresses left would come
 *       from nothing but failures, the resolution fails as a whole (the group keeps its set and
 *       backs off). When only some fail, the result is adopted and reports the failures as its
 *       {@link Resolution#problem()}, so the group asks again soon.</li>
 *   <li>An NXDOMAIN answer is empty, whatever records it carries.</li>
 *   <li>Addresses that cannot be a destination are skipped, logged once: 0.0.0.0/8, ::,
 *       255.255.255.255 and multicast. An IPv4-mapped AAAA ({@code ::ffff:a.b.c.d}) is the IPv4
 *       address a.b.c.d, so an A record and its mapped AAAA make one endpoint.</li>
 * </ul>
 */
/*
 * Implementation notes: a Source is called by one refresh task at a time (the group's refresh
 * chain never overlaps), so its memory (the Resolver's, and the SRV source's
 * `reportedTargetCount`) is confined to that task.
 */
final class Lookups {

    /** At most 8 CNAMEs are followed inside one answer; more is a misconfiguration or a loop. */
    static final int MAX_CNAME_CHAIN = 8;

    private static final System.Logger LOG = System.getLogger(DnsEndpointGroup.class.getName());

    private Lookups() {}

    /**
     * What one resolution found.
     *
     * @param ttlSeconds the TTL to refresh at, or -1 when there was none
     * @param emptyReason why there are no endpoints, or "" when there are
     * @param problem the failed lookups whose last good addresses were used, or "" when none
     */
    record Resolution(List<Endpoint> endpoints, long ttlSeconds, String emptyReason,
            String problem) {
        Resolution(List<Endpoint> endpoints, long ttlSeconds, String emptyReason) {
            this(endpoints, ttlSeconds, emptyReason, "");
        }

        /** An empty result; {@code negativeTtl} is -1 when the answer carried none. */
        static Resolution empty(long negativeTtl, String reason) {
            return new Resolution(List.of(), negativeTtl, reason);
        }
    }

    /** Resolves a name to endpoints. Implementations block the calling thread. */
    interface Source {
        Resolution resolve() throws IOException;
    }

    /**
     * The records of {@code type} that answer {@code name}, following CNAMEs inside the answer
     * section. {@code ttl} is the smallest TTL of the records and CNAMEs used, or, when there are
     * no records, the negative-caching TTL of the SOA in the authority section (-1 if none). An
     * NXDOMAIN answer has no records, whatever its answer section holds (RFC 1035 4.1.1: the
     * name does not exist).
     */
    record Answer(List<DnsMessage.Record> records, long ttl, boolean nxdomain) {}

    static Answer answer(DnsMessage m, String name, int type) {
        boolean nxdomain = m.rcode() == DnsMessage.RCODE_NXDOMAIN;
        String owner = name;
        long ttl = Long.MAX_VALUE;
        List<DnsMessage.Record> found = new ArrayList<>();
        for (int hop = 0; hop <= MAX_CNAME_CHAIN && !nxdomain; hop++) {
            DnsMessage.Record cname = null;
            for (DnsMessage.Record r : m.answers()) {
                if (r.dnsClass() != DnsMessage.CLASS_IN || !WireNames.sameName(r.name(), owner)) {
                    continue;
                }
                if (r.type() == type) {
                    found.add(r);
                    ttl = Math.min(ttl, r.ttl());
                } else if (r.type() == DnsMessage.TYPE_CNAME && cname == null) {
                    cname = r;
                }
            }
            if (!found.isEmpty() || cname == null) {
                break;
            }
            ttl = Math.min(ttl, cname.ttl());
            owner = ((DnsMessage.Name) cname.data()).name();
        }
        if (found.isEmpty()) {
            long negative = -1;
            for (DnsMessage.Record r : m.authorities()) {
                if (r.data() instanceof DnsMessage.Soa) {
                    negative = Math.min(r.ttl(), ((DnsMessage.Soa) r.data()).minimum());
                }
            }
            return new Answer(List.of(), negative, nxdomain);
        }
        return new Answer(List.copyOf(found), ttl, nxdomain);
    }

    /** Throws when no lookup succeeded, or when failures leave nothing to adopt. */
    private static void checkUsable(Resolver.Tally tally, boolean empty, int total) throws IOException {
        if (tally.successes == 0 || (empty && !tally.failures.isEmpty())) {
            throw new DnsQueryException(tally.failures.size() + " of " + total
                    + " lookups failed: " + Resolver.summary(tally.failures));
        }
    }

    /** A and/or AAAA records of one host name: one endpoint per address, weight 1. */
    static Source addressSource(Resolver resolver, String host, int port) {
        return () -> {
            Resolver.Tally tally = new Resolver.Tally();
            List<InetAddress> addresses =
                    resolver.addresses(List.of(host), resolver.deadline(), tally).get(0);
            int total = resolver.families().typeCount();
            checkUsable(tally, addresses.isEmpty(), total);
            if (addresses.isEmpty()) {
                return Resolution.empty(-1, tally.nxdomain ? "NXDOMAIN" : "no usable address"
                        + " records");
            }
            List<Endpoint> endpoints = new ArrayList<>(addresses.size());
            for (InetAddress address : addresses) {
                endpoints.add(Endpoint.of(address.getHostAddress(), port));
            }
            return new Resolution(endpoints, tally.ttl == Long.MAX_VALUE ? -1 : tally.ttl, "",
                    tally.problem(total));
        };
    }

    /**
     * SRV records of {@code _service._proto.name}: each target's addresses at the record's port.
     * SRV priorities become endpoint priorities by rank (the lowest SRV priority is 0, the next
     * 1, ..., capped at {@link Endpoint#MAX_PRIORITY}); SRV weight w becomes weight max(w, 1).
     * Records with target "." (service not offered) or port 0 are skipped; an address reached by
     * two records keeps the first in (priority, descending weight, target) order. Only the first
     * {@code maxTargets} distinct targets in that order are looked up; more are logged and left
     * out.
     */
    static Source srvSource(Resolver resolver, String srvName, int maxTargets) {
        return new Source() {
            private int reportedTargetCount;

            @Override
            public Resolution resolve() throws IOException {
                long deadline = resolver.deadline();
                Answer srv = answer(resolver.query(srvName, DnsMessage.TYPE_SRV, deadline),
                        srvName, DnsMessage.TYPE_SRV);
                List<DnsMessage.Srv> records = new ArrayList<>();
                for (DnsMessage.Record r : srv.records()) {
                    DnsMessage.Srv s = (DnsMessage.Srv) r.data();
                    if (s.target().isEmpty() || s.port() == 0) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "skipping SRV record " + r);
                        continue;
                    }
                    records.add(s);
                }
                if (records.isEmpty()) {
                    return Resolution.empty(srv.ttl(),
                            srv.nxdomain() ? "NXDOMAIN" : "no SRV records");
                }
                records.sort(Comparator.comparingInt(DnsMessage.Srv::priority)
                        .thenComparing(Comparator.comparingInt(DnsMessage.Srv::weight).reversed())
                        .thenComparing(s -> s.target().toLowerCase(Locale.ROOT))
                        .thenComparingInt(DnsMessage.Srv::port));
                Map<String, String> targets = new LinkedHashMap<>(); // lower case -> as given
                for (DnsMessage.Srv s : records) {
                    targets.putIfAbsent(s.target().toLowerCase(Locale.ROOT), s.target());
                }
                int distinct = targets.size();
                if (distinct > maxTargets) {
                    if (distinct != reportedTargetCount) {
                        LOG.log(System.Logger.Level.WARNING, "SRV " + srvName + " has " + distinct
                                + " targets, more than maxSrvTargets (" + maxTargets + "): using"
                                + " the first " + maxTargets + " by priority and weight, leaving"
                                + " out " + (distinct - maxTargets));
                    }
                    List<String> kept = new ArrayList<>(targets.keySet()).subList(0, maxTargets);
                    targets.keySet().retainAll(Set.copyOf(kept));
                    records.removeIf(s -> !targets.containsKey(s.target().toLowerCase(Locale.ROOT)));
                }
                reportedTargetCount = distinct;
                Map<Integer, Integer> rank = new HashMap<>();
                for (DnsMessage.Srv s : records) {
                    rank.putIfAbsent(s.priority(), Math.min(rank.size(), Endpoint.MAX_PRIORITY));
                }
                Resolver.Tally tally = new Resolver.Tally();
                List<String> names = List.copyOf(targets.values());
                List<List<InetAddress>> found = resolver.addresses(names, deadline, tally);
                Map<String, List<InetAddress>> byTarget = new HashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    byTarget.put(names.get(i).toLowerCase(Locale.ROOT), found.get(i));
                }
                Map<String, Endpoint> endpoints = new LinkedHashMap<>();
                for (DnsMessage.Srv s : records) {
                    List<InetAddress> addresses = byTarget.get(s.target().toLowerCase(Locale.ROOT));
                    if (addresses.isEmpty()) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "SRV target " + s.target()
                                + " of " + srvName + " has no usable addresses");
                        continue;
                    }
                    for (InetAddress address : addresses) {
                        Endpoint e = Endpoint.builder(address.getHostAddress(), s.port())
                                .weight(Math.max(Endpoint.MIN_WEIGHT, s.weight()))
                                .priority(rank.get(s.priority()))
                                .build();
                        endpoints.putIfAbsent(e.address(), e);
                    }
                }
                int total = names.size() * resolver.families().typeCount();
                checkUsable(tally, endpoints.isEmpty(), total);
                if (endpoints.isEmpty()) {
                    return Resolution.empty(-1, "no SRV target has usable addresses");
                }
                return new Resolution(List.copyOf(endpoints.values()),
                        Math.min(srv.ttl(), tally.ttl), "", tally.problem(total));
            }
        };
    }
}
