package io.lbkit.dns;

import io.lbkit.Endpoint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns DNS answers into endpoint lists: address lookups and SRV lookups.
 *
 * <p>The rules, shared by both kinds of group:
 * <ul>
 *   <li>Every (name, record type) query of one resolution runs concurrently on the group's
 *       query pool (at most {@link #MAX_CONCURRENT_QUERIES} at once), and the whole resolution
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
 * chain never overlaps), so its memory (`lastGood`, `reportedSkips`, `reportedTargetCount`) is
 * confined to that task; the pool's threads only run DnsClient.query, which is thread-safe,
 * and hand back their result through the Future.
 */
final class Lookups {

    /** At most 8 CNAMEs are followed inside one answer; more is a misconfiguration or a loop. */
    static final int MAX_CNAME_CHAIN = 8;
    /**
     * 8 queries of one group in flight at once: 128 SRV targets' A and AAAA records take 32
     * round trips, not 256, while one group cannot flood a nameserver.
     */
    static final int MAX_CONCURRENT_QUERIES = 8;

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
                if (r.dnsClass() != DnsMessage.CLASS_IN || !DnsMessage.sameName(r.name(), owner)) {
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

    // ---------------------------------------------------------------- addresses

    private static final Comparator<InetAddress> BY_BYTES =
            (a, b) -> Arrays.compareUnsigned(a.getAddress(), b.getAddress());

    /**
     * Why an address cannot be an endpoint, or null when it can. The address is already
     * {@linkplain #unmap unmapped}.
     */
    static String unusable(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            if (b[0] == 0) {
                return "0.0.0.0/8 means \"this host\", not a destination (RFC 1122)";
            }
            if ((b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF) {
                return "the limited broadcast address is not a destination";
            }
        } else if (a.isAnyLocalAddress()) {
            return "the unspecified address :: is not a destination";
        }
        if (a.isMulticastAddress()) {
            return "a multicast address is not a destination for a call";
        }
        return null;
    }

    /** The IPv4 address a.b.c.d for the IPv4-mapped {@code ::ffff:a.b.c.d}; else {@code a}. */
    static InetAddress unmap(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a;
        }
        byte[] b = a.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return a;
            }
        }
        if (b[10] != (byte) 0xFF || b[11] != (byte) 0xFF) {
            return a;
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 octets are an IPv4 address", e);
        }
    }

    /** The outcome of one (name, type) address query. */
    private record Lookup(String name, int type, List<InetAddress> addresses, long ttl,
            boolean nxdomain, String failure, Set<String> skipped) {
        boolean failed() {
            return failure != null;
        }
    }

    /** The outcome of a query: the message, or why there is none. */
    private record Outcome(DnsMessage message, IOException failure) {}

    /** What a resolution's lookups add up to. */
    private static final class Tally {
        final List<String> failures = new ArrayList<>();
        int successes;
        boolean nxdomain;
        long ttl = Long.MAX_VALUE;

        String problem(int total) {
            if (failures.isEmpty()) {
                return "";
            }
            return failures.size() + " of " + total + " lookups failed, their last good addresses"
                    + " (if any) kept: " + summary(failures);
        }
    }

    /** The first three items and a count of the rest, for logs. */
    static String summary(List<String> items) {
        List<String> shown = items.subList(0, Math.min(3, items.size()));
        return String.join("; ", shown)
                + (items.size() > shown.size() ? "; and " + (items.size() - shown.size())
                        + " more" : "");
    }

    /**
     * Runs DNS queries for one source: concurrently on a pool, within a deadline, with a memory
     * of each (name, type)'s last good addresses. Confined to the refresh task (see the notes).
     */
    static final class Resolver {
        private final DnsClient client;
        private final ExecutorService pool;
        private final long refreshTimeoutNanos;
        private final AddressFamilies families;
        /** Last good addresses per "type name" key, for the names of the last resolution. */
        private Map<String, Lookup> lastGood = new HashMap<>();
        /** Skipped addresses already logged, so that each is reported once per appearance. */
        private Set<String> reportedSkips = new HashSet<>();

        Resolver(DnsClient client, ExecutorService pool, long refreshTimeoutNanos,
                AddressFamilies families) {
            this.client = client;
            this.pool = pool;
            this.refreshTimeoutNanos = refreshTimeoutNanos;
            this.families = families;
        }

        long deadline() {
            return System.nanoTime() + refreshTimeoutNanos;
        }

        /** One query, on the pool, waited for until the deadline. */
        DnsMessage query(String name, int type, long deadline) throws IOException {
            Outcome o = run(List.of(name), List.of(type), deadline).get(0);
            if (o.failure() != null) {
                throw o.failure();
            }
            return o.message();
        }

        /** Queries names[i] for types[i], all at once on the pool, until the deadline. */
        private List<Outcome> run(List<String> names, List<Integer> types, long deadline)
                throws InterruptedIOException {
            List<Future<DnsMessage>> futures = new ArrayList<>(names.size());
            List<Outcome> outcomes = new ArrayList<>(names.size());
            try {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    int type = types.get(i);
                    try {
                        futures.add(pool.submit(() -> client.query(name, type)));
                    } catch (RejectedExecutionException e) {
                        throw new InterruptedIOException("the group was closed");
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    outcomes.add(await(futures.get(i), names.get(i), types.get(i), deadline));
                }
                return outcomes;
            } finally {
                for (Future<DnsMessage> f : futures) {
                    f.cancel(true); // no-op for the finished ones
                }
            }
        }

        private Outcome await(Future<DnsMessage> f, String name, int type, long deadline)
                throws InterruptedIOException {
            try {
                long remaining = deadline - System.nanoTime();
                return new Outcome(f.get(Math.max(0, remaining), TimeUnit.NANOSECONDS), null);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException) {
                    return new Outcome(null, (IOException) cause);
                }
                IOException bug = new IOException("query " + DnsMessage.quote(name) + " "
                        + DnsClient.typeName(type) + " failed unexpectedly: " + cause, cause);
                return new Outcome(null, bug);
            } catch (TimeoutException e) {
                return new Outcome(null, new DnsQueryException("query " + DnsMessage.quote(name)
                        + " " + DnsClient.typeName(type) + " unanswered when the refresh"
                        + " timeout of " + TimeUnit.NANOSECONDS.toMillis(refreshTimeoutNanos)
                        + " ms ran out"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while resolving (group closed?)");
            }
        }

        /**
         * The addresses of each name in {@code names}, in the families' order, sorted within a
         * family, unusable ones skipped; failed queries fall back to their last good addresses.
         * Replaces the memory with the entries of these names.
         *
         * @return per name, its addresses (deduplicated, an unmapped AAAA joining its A)
         */
        List<List<InetAddress>> addresses(List<String> names, long deadline, Tally tally)
                throws InterruptedIOException {
            List<String> queryNames = new ArrayList<>();
            List<Integer> queryTypes = new ArrayList<>();
            for (String name : names) {
                for (int i = 0; i < families.typeCount(); i++) {
                    queryNames.add(name);
                    queryTypes.add(families.type(i));
                }
            }
            List<Outcome> outcomes = run(queryNames, queryTypes, deadline);
            Map<String, Lookup> good = new HashMap<>();
            Set<String> skips = new HashSet<>();
            List<List<InetAddress>> result = new ArrayList<>(names.size());
            int q = 0;
            for (String name : names) {
                Set<InetAddress> addresses = new LinkedHashSet<>();
                for (int i = 0; i < families.typeCount(); i++, q++) {
                    int type = families.type(i);
                    Lookup l = lookup(name, type, outcomes.get(q));
                    String key = type + " " + name.toLowerCase(Locale.ROOT);
                    if (l.failed()) {
                        tally.failures.add(l.failure());
                        Lookup last = lastGood.get(key);
                        if (last != null) {
                            good.put(key, last);
                            addresses.addAll(last.addresses());
                        }
                        continue;
                    }
                    tally.successes++;
                    tally.nxdomain |= l.nxdomain();
                    skips.addAll(l.skipped());
                    if (!l.addresses().isEmpty()) {
                        good.put(key, l);
                        addresses.addAll(l.addresses());
                        tally.ttl = Math.min(tally.ttl, l.ttl());
                    }
                }
                result.add(List.copyOf(addresses));
            }
            for (String skip : skips) {
                if (!reportedSkips.contains(skip)) {
                    LOG.log(System.Logger.Level.WARNING, "skipping " + skip);
                }
            }
            reportedSkips = skips;
            lastGood = good;
            return result;
        }

        private Lookup lookup(String name, int type, Outcome o) {
            if (o.failure() != null) {
                IOException e = o.failure();
                return new Lookup(name, type, List.of(), -1, false,
                        e.getMessage() != null ? e.getMessage() : e.toString(), Set.of());
            }
            Answer a = answer(o.message(), name, type);
            TreeSet<InetAddress> sorted = new TreeSet<>(BY_BYTES);
            Set<String> skipped = new HashSet<>();
            for (DnsMessage.Record r : a.records()) {
                InetAddress address = unmap(((DnsMessage.Address) r.data()).address());
                String why = unusable(address);
                if (why != null) {
                    skipped.add(address.getHostAddress() + " (" + DnsClient.typeName(type)
                            + " record of " + DnsMessage.quote(name) + "): " + why);
                } else {
                    sorted.add(address);
                }
            }
            return new Lookup(name, type, List.copyOf(sorted), a.ttl(), a.nxdomain(), null,
                    skipped);
        }
    }

    /** Throws when no lookup succeeded, or when failures leave nothing to adopt. */
    private static void checkUsable(Tally tally, boolean empty, int total) throws IOException {
        if (tally.successes == 0 || (empty && !tally.failures.isEmpty())) {
            throw new DnsQueryException(tally.failures.size() + " of " + total
                    + " lookups failed: " + summary(tally.failures));
        }
    }

    /** A and/or AAAA records of one host name: one endpoint per address, weight 1. */
    static Source addressSource(Resolver resolver, String host, int port) {
        return () -> {
            Tally tally = new Tally();
            List<InetAddress> addresses =
                    resolver.addresses(List.of(host), resolver.deadline(), tally).get(0);
            int total = resolver.families.typeCount();
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
                Tally tally = new Tally();
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
                int total = names.size() * resolver.families.typeCount();
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
