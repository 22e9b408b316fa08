package io.lbkit.dns;

import io.lbkit.internal.Quote;
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
 * Runs DNS queries for one source: concurrently on a pool, within a deadline, with a memory
 * of each (name, type)'s last good addresses. Not thread-safe: confined to the
 * refresh task of its group, which never overlaps itself; the pool's threads only run
 * {@link DnsClient#query}, which is thread-safe, and hand back their result through a Future.
 * The rules it applies are listed on {@link Lookups}.
 */
final class Resolver {

    /**
     * 8 queries of one group in flight at once: 128 SRV targets' A and AAAA records take 32
     * round trips, not 256, while one group cannot flood a nameserver.
     */
    static final int MAX_CONCURRENT_QUERIES = 8;

    private static final System.Logger LOG = System.getLogger(DnsEndpointGroup.class.getName());

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

    AddressFamilies families() {
        return families;
    }

    /** The deadline of a resolution that starts now, on the System.nanoTime() scale. */
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
            IOException bug = new IOException("query " + Quote.quote(name) + " "
                    + DnsClient.typeName(type) + " failed unexpectedly: " + cause, cause);
            return new Outcome(null, bug);
        } catch (TimeoutException e) {
            return new Outcome(null, new DnsQueryException("query " + Quote.quote(name)
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
            return new Lookup(List.of(), -1, false,
                    e.getMessage() != null ? e.getMessage() : e.toString(), Set.of());
        }
        Lookups.Answer a = Lookups.answer(o.message(), name, type);
        TreeSet<InetAddress> sorted = new TreeSet<>(BY_BYTES);
        Set<String> skipped = new HashSet<>();
        for (DnsMessage.Record r : a.records()) {
            InetAddress address = unmap(((DnsMessage.Address) r.data()).address());
            String why = unusable(address);
            if (why != null) {
                skipped.add(address.getHostAddress() + " (" + DnsClient.typeName(type)
                        + " record of " + Quote.quote(name) + "): " + why);
            } else {
                sorted.add(address);
            }
        }
        return new Lookup(List.copyOf(sorted), a.ttl(), a.nxdomain(), null,
                skipped);
    }

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
    private record Lookup(List<InetAddress> addresses, long ttl,
            boolean nxdomain, String failure, Set<String> skipped) {
        boolean failed() {
            return failure != null;
        }
    }

    /** The outcome of a query: the message, or why there is none. */
    private record Outcome(DnsMessage message, IOException failure) {}

    /** What a resolution's lookups add up to. */
    static final class Tally {
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
}
