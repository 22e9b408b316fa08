package io.lbkit.dns;

import static java.util.Objects.requireNonNull;

import io.lbkit.AbstractEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import io.lbkit.internal.Backoff;
import io.lbkit.internal.OwnedScheduler;
import io.lbkit.internal.Preconditions;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint group fed by DNS: the A/AAAA records of a host name, or the SRV records of a
 * service name, re-resolved when their TTL runs out. Thread-safe.
 *
 * <pre>{@code
 * EndpointGroup orders = DnsEndpointGroup.builder("orders.internal", 8080)
 *         .maxTtl(Duration.ofSeconds(30))
 *         .build();
 * EndpointGroup grpc = DnsEndpointGroup.srvBuilder("_grpc._tcp.orders.internal").build();
 * }</pre>
 *
 * <p><b>Resolution.</b> The group speaks DNS itself (UDP, TCP when truncated) to the nameservers
 * of {@code /etc/resolv.conf} or to configured ones, because the JDK's {@code InetAddress} gives
 * neither TTLs nor SRV records. It resolves <em>all</em> addresses: an A/AAAA group has one
 * endpoint of weight 1 per address, in {@link AddressFamilies} order; an SRV group has one
 * endpoint per address of each target at the record's port, the SRV priority mapped by rank to
 * {@link Endpoint#priority()} (lowest SRV priority is 0) and the SRV weight to
 * {@link Endpoint#weight()} (weight 0 becomes 1, since an endpoint weight is at least 1). Names
 * are queried as fully qualified: resolv.conf's {@code search} and {@code ndots} do not apply.
 *
 * <p>Addresses that cannot be a destination (0.0.0.0/8, {@code ::}, 255.255.255.255,
 * multicast) are skipped and logged; an IPv4-mapped AAAA record ({@code ::ffff:a.b.c.d}) is
 * the IPv4 address a.b.c.d, so an A record and its mapped AAAA make one endpoint. An SRV answer
 * with more than {@link Builder#maxSrvTargets(int) maxSrvTargets} distinct targets is cut to the
 * first ones by priority and weight, with a WARNING log.
 *
 * <p><b>Refresh.</b> The next resolution is due when the shortest TTL among the records used
 * (CNAMEs and SRV targets' addresses included) runs out, clamped to [{@code minTtl},
 * {@code maxTtl}]. When a resolution fails (timeout, SERVFAIL, malformed reply) the last good
 * set stays in force and the group retries after an exponential backoff with jitter. When only
 * some of its lookups fail (one SRV target answers SERVFAIL, the AAAA query times out), the
 * others are adopted, each failed lookup keeps the addresses it last gave (if it ever gave
 * any), and the next resolution comes after the backoff if that is sooner than the TTL. An
 * empty answer or NXDOMAIN (whatever records an NXDOMAIN carries) is logged and, unless
 * {@link Builder#allowEmpty(boolean)} is set, treated like a failure: it never wipes a
 * non-empty set, and it does not make the group ready.
 *
 * <p>A nameserver that does not answer is asked after the others for 30 s, so a dead first
 * nameserver costs one {@code queryTimeout} per 30 s rather than one per query.
 *
 * <p><b>Threads.</b> Resolutions run one at a time on the group's scheduler (by default a
 * daemon thread of its own, stopped by {@link #close()}). The queries of one resolution (A and
 * AAAA, each SRV target's) run concurrently, at most 8 at once, on daemon threads owned by the
 * group, which end when idle for 10 s and on {@link #close()}; the scheduler's thread waits for
 * them at most {@code refreshTimeout} per resolution. Snapshots are published from the
 * scheduler's thread. A listener that throws (even an {@link Error}) is logged and does not
 * stop the refreshes.
 */
/*
 * Why one file of over 400 lines: half of it is DnsEndpointGroup.Builder, whose twelve options
 * each carry their default, range and reasons in javadoc; the builder is a public nested type (its
 * name is API) and the group is its refresh loop. The wire format, resolver, lookups and
 * resolv.conf parsing live in files of their own (DnsMessage, Resolver, Lookups, ResolvConf).
 */
/*
 * Implementation notes.
 *
 * The refresh loop is a chain of one-shot tasks on `scheduler`: each run resolves, publishes and
 * schedules the next, so runs never overlap and `failures`/`lastSuccessNanos` are confined to
 * the running task (the executor's happens-before edges publish them to the next run;
 * `failures` is volatile as well, single writer, so tests can read it); so are `partials` and the
 * source's own memory (see Lookups). `next`
 * is volatile only so that close() can cancel the pending run; a run that races with close()
 * may schedule one more run, which sees isClosed() and does nothing.
 */
public final class DnsEndpointGroup extends AbstractEndpointGroup {

    private static final System.Logger LOG = System.getLogger(DnsEndpointGroup.class.getName());

    private final String description;
    private final Lookups.Source source;
    private final long minTtlNanos;
    private final long maxTtlNanos;
    private final Backoff backoff;
    private final boolean allowEmpty;
    private final Ticker ticker;
    private final OwnedScheduler scheduler;
    /** The pool of the source's queries, shut down on close; null when the source has none. */
    private final ExecutorService queryPool;

    private volatile ScheduledFuture<?> next;
    /**
     * Consecutive failed or empty resolutions. Written only by the refresh task; volatile so
     * that tests can watch it.
     */
    private volatile int failures;
    /** Errors thrown by listeners and logged here; written by the refresh task, for tests. */
    private volatile int listenerErrors;
    /** Consecutive resolutions adopted with some lookups failed; confined to the refresh task. */
    private int partials;
    /** Confined to the refresh task; valid once the group is ready. */
    private long lastSuccessNanos;

    DnsEndpointGroup(String description, Lookups.Source source, Duration minTtl, Duration maxTtl,
            Duration initialBackoff, Duration maxBackoff, boolean allowEmpty, Ticker ticker,
            ScheduledExecutorService scheduler) {
        this(description, source, minTtl, maxTtl, Backoff.of(initialBackoff, maxBackoff),
                allowEmpty, ticker, scheduler, null);
    }

    private DnsEndpointGroup(String description, Lookups.Source source, Duration minTtl,
            Duration maxTtl, Backoff backoff, boolean allowEmpty, Ticker ticker,
            ScheduledExecutorService scheduler, ExecutorService queryPool) {
        this.queryPool = queryPool;
        this.description = description;
        this.source = source;
        this.minTtlNanos = minTtl.toNanos();
        this.maxTtlNanos = maxTtl.toNanos();
        this.backoff = backoff;
        this.allowEmpty = allowEmpty;
        this.ticker = ticker;
        this.scheduler = OwnedScheduler.of(scheduler, "lbkit-dns " + description);
        this.next = this.scheduler.executor().schedule(this::refresh, 0, TimeUnit.NANOSECONDS);
    }

    /**
     * A builder for a group of the A/AAAA addresses of {@code host}, each at {@code port}.
     *
     * @param host a DNS name (letters, digits, '-', '_'; labels of 1..63; at most 253
     *     characters; a trailing dot is allowed); not an IP literal
     * @param port 1..65535
     * @throws IllegalArgumentException naming the rule the host or port breaks
     */
    public static Builder builder(String host, int port) {
        String name = DnsNames.checkHostName(host, "host");
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
        return new Builder(name, port);
    }

    /**
     * A builder for a group of the SRV records of {@code srvName}.
     *
     * @param srvName {@code _service._proto.name}, for example {@code _http._tcp.example.com}
     * @throws IllegalArgumentException if the name does not have that form
     */
    public static Builder srvBuilder(String srvName) {
        return new Builder(DnsNames.checkSrvName(srvName, "srvName"), 0);
    }

    /**
     * One link of the refresh chain: resolve, publish, schedule the next. Nothing thrown here
     * may end the chain: DNS failures back off, a throwing listener is logged.
     */
    private void refresh() {
        if (isClosed()) {
            return;
        }
        Lookups.Resolution r;
        try {
            r = source.resolve();
        } catch (Throwable e) { // IOException from DNS; anything else is a bug, kept contained
            if (isClosed()) {
                return; // close() interrupted the resolution
            }
            failures++;
            long delay = backoffNanos(failures);
            int attempt = failures;
            LOG.log(Level.WARNING, () -> this + ": resolution failed (attempt " + attempt
                    + "); " + keeping() + "; retrying in " + millis(delay) + " ms: " + e);
            LOG.log(Level.DEBUG, () -> this + ": resolution failure detail", e);
            schedule(delay);
            return;
        }
        schedule(onResolution(r));
    }

    /** Adopts (or, for an empty answer, maybe refuses) a resolution; the delay to the next. */
    private long onResolution(Lookups.Resolution r) {
        if (r.endpoints().isEmpty() && !allowEmpty) {
            failures++;
            long delay = backoffNanos(failures);
            LOG.log(Level.WARNING, () -> this + ": " + r.emptyReason() + "; " + keeping()
                    + "; asking again in " + millis(delay) + " ms");
            return delay;
        }
        if (r.endpoints().isEmpty()) {
            LOG.log(Level.WARNING, () -> this + ": " + r.emptyReason() + "; the group is empty");
        }
        failures = 0;
        lastSuccessNanos = ticker.read();
        long ttlNanos = r.ttlSeconds() < 0 ? minTtlNanos
                : TimeUnit.SECONDS.toNanos(Math.min(r.ttlSeconds(), Integer.MAX_VALUE));
        long delay = Math.max(minTtlNanos, Math.min(maxTtlNanos, ttlNanos));
        if (r.problem().isEmpty()) {
            partials = 0;
        } else {
            partials++;
            delay = Math.min(delay, backoffNanos(partials));
            long next = delay;
            LOG.log(Level.WARNING, () -> this + ": " + r.problem() + "; asking again in "
                    + millis(next) + " ms");
        }
        publish(r.endpoints());
        return delay;
    }

    /**
     * Publishes a snapshot. Listeners' runtime exceptions are logged by the base class; an
     * {@link Error} from one is logged here, so that it cannot end the refresh chain.
     */
    private void publish(List<Endpoint> endpoints) {
        try {
            update(endpoints);
        } catch (Throwable t) {
            listenerErrors++;
            LOG.log(Level.ERROR, this + ": a listener threw while the new snapshot was delivered;"
                    + " refreshes go on", t);
        }
    }

    private String keeping() {
        List<Endpoint> current = endpoints();
        if (!whenReady().isDone()) {
            return "not ready yet";
        }
        return "keeping the last good set of " + current.size() + " endpoint(s), resolved "
                + millis(ticker.read() - lastSuccessNanos) + " ms ago";
    }

    /** The delay after the n-th consecutive failure ({@link Backoff#nanos}). */
    long backoffNanos(int failures) {
        return backoff.nanos(failures);
    }

    /** Consecutive failed or empty resolutions since the last success; for tests. */
    int consecutiveFailures() {
        return failures;
    }

    /** Throwables from listeners that this group logged (the base class logs the others). */
    int listenerErrors() {
        return listenerErrors;
    }

    private void schedule(long delayNanos) {
        if (isClosed()) {
            return;
        }
        try {
            next = scheduler.executor().schedule(this::refresh, delayNanos,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (!isClosed()) {
                LOG.log(Level.ERROR, this + ": the scheduler rejected the next refresh;"
                        + " the group will not change any more", e);
            }
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Stops refreshing; a resolution in progress finishes and its result is dropped. */
    @Override
    public void close() {
        super.close();
        ScheduledFuture<?> pending = next;
        if (pending != null) {
            pending.cancel(false);
        }
        scheduler.close();
        if (queryPool != null) {
            queryPool.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "DnsEndpointGroup[" + description + "]";
    }

    /**
     * Builds a {@link DnsEndpointGroup}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value. Arguments are
     * validated when set, with the allowed range in the message.
     */
    public static final class Builder {
        /** 1 s: never ask more often than once a second, even for TTL 0 records. */
        public static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(1);
        /** 5 min: pick up changes within 5 minutes even when records carry day-long TTLs. */
        public static final Duration DEFAULT_MAX_TTL = Duration.ofMinutes(5);
        /** 2 s per nameserver: glibc waits 5 s, a balancer would rather try the next server. */
        public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);
        /** 1 s: the first retry after a failure. */
        public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
        /** 30 s: the longest wait between retries while DNS keeps failing. */
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
        /**
         * 10 s: the longest one resolution may take, all its queries included: enough for a
         * dead nameserver's timeout and a retry over TCP, short enough to follow a 10 s TTL.
         */
        public static final Duration DEFAULT_REFRESH_TIMEOUT = Duration.ofSeconds(10);
        /**
         * 128 SRV targets: 256 A/AAAA queries per refresh, 32 round trips at 8 at a time. A
         * larger service is better served by a few SRV names (one per zone, say) or a registry.
         */
        public static final int DEFAULT_MAX_SRV_TARGETS = 128;
        /** The most SRV targets a group may be allowed to look up per refresh. */
        public static final int MAX_SRV_TARGETS = 4096;

        private static final Duration MIN_DURATION = Duration.ofMillis(1);
        private static final Duration MAX_DURATION = Duration.ofDays(1);

        private final String name;
        private final int port; // 0 for SRV
        private List<InetSocketAddress> nameservers;
        private Duration minTtl;
        private Duration maxTtl;
        private Duration queryTimeout;
        private Duration initialBackoff;
        private Duration maxBackoff;
        private Duration refreshTimeout;
        private Integer maxSrvTargets;
        private AddressFamilies addressFamilies;
        private Boolean allowEmpty;
        private Ticker ticker;
        private ScheduledExecutorService scheduler;

        private Builder(String name, int port) {
            this.name = name;
            this.port = port;
        }

        /**
         * The nameservers to ask, in order; default the {@code nameserver} lines of
         * {@code /etc/resolv.conf} (127.0.0.1:53 when it has none).
         *
         * @param nameservers IP addresses (not unresolved host names) with ports 1..65535; at
         *     least one
         */
        public Builder nameservers(InetSocketAddress... nameservers) {
            requireNonNull(nameservers, "nameservers");
            return nameservers(Arrays.asList(nameservers));
        }

        /** As {@link #nameservers(InetSocketAddress...)}. */
        public Builder nameservers(List<InetSocketAddress> nameservers) {
            requireNonNull(nameservers, "nameservers");
            Preconditions.checkOnce("nameservers", this.nameservers);
            if (nameservers.isEmpty()) {
                throw new IllegalArgumentException("nameservers must hold at least one address");
            }
            for (InetSocketAddress s : nameservers) {
                requireNonNull(s, "nameservers must not contain null");
                if (s.isUnresolved()) {
                    throw new IllegalArgumentException("nameservers must be IP addresses, was the"
                            + " unresolved host " + s.getHostString());
                }
                if (s.getPort() < 1) {
                    throw new IllegalArgumentException(
                            "nameserver port must be in 1..65535, was " + s.getPort());
                }
            }
            this.nameservers = List.copyOf(nameservers);
            return this;
        }

        /** The shortest refresh interval, whatever the TTL; 1 ms..1 day, default 1 s. */
        public Builder minTtl(Duration minTtl) {
            this.minTtl = duration("minTtl", this.minTtl, minTtl);
            return this;
        }

        /** The longest refresh interval, whatever the TTL; 1 ms..1 day, default 5 min. */
        public Builder maxTtl(Duration maxTtl) {
            this.maxTtl = duration("maxTtl", this.maxTtl, maxTtl);
            return this;
        }

        /** How long to wait for each nameserver's answer; 1 ms..1 day, default 2 s. */
        public Builder queryTimeout(Duration queryTimeout) {
            this.queryTimeout = duration("queryTimeout", this.queryTimeout, queryTimeout);
            return this;
        }

        /** The first retry delay after a failure; 1 ms..1 day, default 1 s. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = duration("initialBackoff", this.initialBackoff, initialBackoff);
            return this;
        }

        /** The longest retry delay; 1 ms..1 day, at least initialBackoff; default 30 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = duration("maxBackoff", this.maxBackoff, maxBackoff);
            return this;
        }

        /**
         * The longest one resolution may take, all its queries (and their retries on other
         * nameservers) included; 1 ms..1 day, default 10 s. Queries unanswered by then count as
         * failed: they keep their last good addresses, and if nothing answered, the resolution
         * fails and is retried after the backoff.
         */
        public Builder refreshTimeout(Duration refreshTimeout) {
            this.refreshTimeout = duration("refreshTimeout", this.refreshTimeout, refreshTimeout);
            return this;
        }

        /**
         * SRV groups only: the most distinct targets looked up per refresh; 1..4096, default
         * 128. An answer with more is cut to the first targets by SRV priority, then weight
         * (highest first), then name, and the cut is logged at WARNING.
         *
         * @throws IllegalStateException on a builder of an A/AAAA group
         */
        public Builder maxSrvTargets(int maxSrvTargets) {
            if (port != 0) {
                throw new IllegalStateException("maxSrvTargets applies to SRV groups only"
                        + " (DnsEndpointGroup.srvBuilder); this builder is for " + name + ":"
                        + port);
            }
            Preconditions.checkOnce("maxSrvTargets", this.maxSrvTargets);
            this.maxSrvTargets = Preconditions.checkRange("maxSrvTargets", maxSrvTargets, 1,
                    MAX_SRV_TARGETS);
            return this;
        }

        /** Which address records to use and in what order; default {@link AddressFamilies#IPV4_FIRST}. */
        public Builder addressFamilies(AddressFamilies addressFamilies) {
            this.addressFamilies = Preconditions.setOnce("addressFamilies", this.addressFamilies,
                    addressFamilies);
            return this;
        }

        /**
         * Whether an empty answer or NXDOMAIN replaces the current set (and makes the group
         * ready). Default {@code false}: a name that disappears briefly, or a misconfigured
         * nameserver, must not take every endpoint away; the empty answer is logged and retried
         * with backoff.
         */
        public Builder allowEmpty(boolean allowEmpty) {
            Preconditions.checkOnce("allowEmpty", this.allowEmpty);
            this.allowEmpty = allowEmpty;
            return this;
        }

        /** The time source; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Preconditions.setOnce("ticker", this.ticker, ticker);
            return this;
        }

        /**
         * The scheduler that runs resolutions (each blocks a thread for up to queryTimeout per
         * nameserver and query); default a daemon thread owned by the group. A given scheduler
         * is not shut down by {@link DnsEndpointGroup#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Preconditions.setOnce("scheduler", this.scheduler, scheduler);
            return this;
        }

        /**
         * Builds the group and starts its first resolution at once (on the scheduler).
         *
         * @throws IllegalArgumentException if minTtl exceeds maxTtl or initialBackoff exceeds
         *     maxBackoff
         */
        public DnsEndpointGroup build() {
            Duration min = minTtl != null ? minTtl : DEFAULT_MIN_TTL;
            Duration max = maxTtl != null ? maxTtl : DEFAULT_MAX_TTL;
            if (min.compareTo(max) > 0) {
                throw new IllegalArgumentException(
                        "minTtl (" + min + ") must not exceed maxTtl (" + max + ")");
            }
            Backoff backoff = Backoff.of(
                    initialBackoff != null ? initialBackoff : DEFAULT_INITIAL_BACKOFF,
                    maxBackoff != null ? maxBackoff : DEFAULT_MAX_BACKOFF);
            List<InetSocketAddress> servers = nameservers != null ? nameservers
                    : ResolvConf.nameservers(ResolvConf.DEFAULT_PATH);
            Ticker clock = ticker != null ? ticker : Ticker.system();
            DnsClient client = new DnsClient(servers,
                    queryTimeout != null ? queryTimeout : DEFAULT_QUERY_TIMEOUT, clock);
            AddressFamilies families =
                    addressFamilies != null ? addressFamilies : AddressFamilies.IPV4_FIRST;
            String description = port == 0 ? "SRV " + name : name + ":" + port;
            ExecutorService pool = queryPool(description);
            Resolver resolver = new Resolver(client, pool,
                    (refreshTimeout != null ? refreshTimeout : DEFAULT_REFRESH_TIMEOUT).toNanos(),
                    families);
            Lookups.Source source = port == 0
                    ? Lookups.srvSource(resolver, name,
                            maxSrvTargets != null ? maxSrvTargets : DEFAULT_MAX_SRV_TARGETS)
                    : Lookups.addressSource(resolver, name, port);
            return new DnsEndpointGroup(description, source, min, max, backoff,
                    allowEmpty != null && allowEmpty, clock, scheduler, pool);
        }

        /** At most 8 daemon threads, each ending after 10 s idle; queued tasks wait their turn. */
        private static ExecutorService queryPool(String description) {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(Resolver.MAX_CONCURRENT_QUERIES,
                    Resolver.MAX_CONCURRENT_QUERIES, 10, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "lbkit-dns-query-" + count.incrementAndGet()
                                + " " + description);
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }

        /** A duration option's whole check: set once, not null, in 1 ms..1 day. */
        private static Duration duration(String field, Duration earlier, Duration d) {
            return Preconditions.setOnce(field, earlier, d, MIN_DURATION, MAX_DURATION,
                    "1 ms..1 day (PT0.001S..PT24H)");
        }
    }
}
