package io.lbkit.etcd;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import io.lbkit.Endpoint;
import io.lbkit.internal.OwnedScheduler;
import io.lbkit.internal.Preconditions;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server's own entry in etcd: its endpoint under a key that lives as long as the server keeps
 * an etcd lease alive. Thread-safe.
 *
 * <pre>{@code
 * EtcdRegistration me = EtcdRegistration.builder(etcd, "/services/orders/", Endpoint.of("10.0.0.7", 8080))
 *         .drainTime(Duration.ofSeconds(5))
 *         .deregisterOnShutdown(true)
 *         .build();
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link Builder#build()} starts registering at once, in the background: it
 * grants a lease of {@link Builder#ttl} and puts the key {@code <prefix><host:port>} with the
 * endpoint's value under it (etcd's naming-API format plus lbkit's weight, zone, region and
 * priority; see {@link EtcdEndpointGroup}). It then renews the lease every third of its TTL. If
 * the server dies, renewals stop and etcd deletes the key when the TTL runs out. If a renewal
 * finds the lease gone (etcd was unreachable for longer than the TTL, or lost its data), the
 * registration grants a new lease and puts the key again; failed attempts are logged and retried
 * with backoff. {@link #close()} removes the key (revoking the lease) and stops.
 *
 * <p><b>Draining.</b> With a {@link Builder#drainTime}, {@link #close()} first rewrites the value
 * with {@code "draining":"true"} in its {@code Metadata}, so that lbkit clients stop picking the
 * server while it finishes the calls it has, keeps the lease alive for the drain time, and only
 * then deletes the key.
 *
 * <p><b>Threads.</b> Renewals run on the registration's scheduler (by default a daemon thread
 * of its own); each blocks it for up to the client's request timeout per member.
 */
/*
 * Why one file of over 400 lines: the registration is one lease's life (grant, put, keep alive,
 * re-register after loss, drain, revoke, the shutdown hook), each step scheduled by the one before
 * and guarded by the same lock; the public nested Builder with its documented options is the rest.
 * The transport is in EtcdClient; the option checks are lb-core's Preconditions.
 */
/*
 * Implementation notes: every step that talks to etcd (register, renew, deregister) runs under
 * `lock`, so steps never overlap and `leaseId` changes only under it; no user code runs under the
 * lock (the futures are completed after it is released, since their dependents run there). `closing` stops re-registration; `stopped` (set under the lock) stops everything. A step
 * already running when close() starts finishes first: close() then takes the lock, so a lease
 * granted by that step is the one close() revokes.
 */
public final class EtcdRegistration implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EtcdRegistration.class.getName());

    private final EtcdClient client;
    private final String key;
    private final String keyBase64;
    private final Endpoint endpoint;
    private final long ttlSeconds;
    private final Duration drainTime;
    private final OwnedScheduler scheduler;
    private final Thread shutdownHook;
    private final CompletableFuture<EtcdRegistration> registered = new CompletableFuture<>();
    private final CompletableFuture<Void> deregistered = new CompletableFuture<>();

    private final Object lock = new Object();
    /** The current lease; 0 when none. Written under lock. */
    private volatile long leaseId;
    /** Consecutive failed steps. Written under lock. */
    private volatile int failures;
    private volatile boolean closing;
    /** Written under lock. */
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> next;

    private EtcdRegistration(EtcdClient client, String prefix, Endpoint endpoint, Duration ttl,
            Duration drainTime, boolean deregisterOnShutdown, ScheduledExecutorService scheduler) {
        this.client = client;
        this.key = prefix + endpoint.address();
        this.keyBase64 = Json.base64(key);
        this.endpoint = endpoint;
        this.ttlSeconds = ttl.toSeconds();
        this.drainTime = drainTime;
        this.scheduler = OwnedScheduler.of(scheduler, "lbkit-etcd-registration " + key);
        if (deregisterOnShutdown) {
            shutdownHook = new Thread(this::close, "lbkit-etcd-deregister " + key);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
        schedule(this::register, 0);
    }

    /**
     * A builder for the registration of {@code endpoint} under {@code prefix}.
     *
     * @param prefix the service's key prefix, such as {@code /services/orders/}; a {@code /} is
     *     appended when it does not end with one (as {@link EtcdEndpointGroup#builder} does)
     * @param endpoint this server's address, as clients should reach it, with its weight, zone,
     *     region, priority and attributes
     * @throws IllegalArgumentException if the prefix is empty or has control characters
     */
    public static Builder builder(EtcdClient client, String prefix, Endpoint endpoint) {
        requireNonNull(client, "client");
        requireNonNull(endpoint, "endpoint");
        return new Builder(client, EtcdEndpointGroup.checkPrefix(prefix), endpoint);
    }

    /** The key this server is registered under: {@code <prefix><host:port>}. */
    public String key() {
        return key;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Completes when the key is first in etcd. Fails only if the registration is closed first;
     * while etcd is unreachable it stays pending (the registration keeps trying).
     */
    public CompletableFuture<EtcdRegistration> whenRegistered() {
        return registered.copy();
    }

    /** Whether the registration holds a live lease now, as far as it knows. */
    public boolean isRegistered() {
        return leaseId != 0 && !stopped;
    }

    private void register() {
        if (registerLocked()) {
            registered.complete(this); // outside the lock: callers' dependent actions run here
        }
    }

    /** One registration attempt; whether it succeeded. */
    private boolean registerLocked() {
        synchronized (lock) {
            if (stopped || closing) {
                return false;
            }
            long id = 0;
            try {
                JsonObject grant = new JsonObject();
                grant.add("TTL", Json.int64(ttlSeconds));
                JsonObject g = client.call("/v3/lease/grant", grant);
                id = Json.int64(g, "ID");
                if (id == 0) {
                    throw new EtcdException("etcd granted no lease: " + Json.quote(g.toString()), -1);
                }
                put(id, false);
            } catch (EtcdException e) {
                long lost = id;
                retryLater("registering", e, this::register);
                if (lost != 0) {
                    revokeQuietly(lost);
                }
                return false;
            }
            boolean again = registered.isDone();
            leaseId = id;
            failures = 0;
            long granted = id;
            LOG.log(again ? Level.WARNING : Level.INFO, () -> this + ": " + (again ? "re-registered"
                    : "registered") + " under lease " + Long.toHexString(granted) + " (TTL "
                    + ttlSeconds + " s)");
            schedule(this::renew, renewalNanos());
            return true;
        }
    }

    private void renew() {
        synchronized (lock) {
            if (stopped || leaseId == 0) {
                return;
            }
            long ttl;
            try {
                JsonObject body = new JsonObject();
                body.add("ID", Json.int64(leaseId));
                JsonObject answer = Json.child(client.call("/v3/lease/keepalive", body), "result");
                ttl = Json.int64(answer, "TTL");
            } catch (EtcdException e) {
                retryLater("renewing the lease", e, this::renew);
                return;
            }
            if (ttl <= 0) {
                LOG.log(Level.WARNING, () -> this + ": etcd no longer has lease "
                        + Long.toHexString(leaseId) + " (it expired while etcd was unreachable,"
                        + " or etcd lost its data); registering again");
                leaseId = 0;
                if (!closing) {
                    schedule(this::register, 0);
                }
                return;
            }
            if (failures > 0) {
                int hadFailures = failures;
                LOG.log(Level.INFO, () -> this + ": lease renewed after " + hadFailures
                        + " failed attempt(s)");
            }
            failures = 0;
            schedule(this::renew, renewalNanos());
        }
    }

    private void put(long lease, boolean draining) throws EtcdException {
        JsonObject put = new JsonObject();
        put.addProperty("key", keyBase64);
        put.addProperty("value", Json.base64(EndpointValues.encode(endpoint, draining)));
        put.add("lease", Json.int64(lease));
        client.call("/v3/kv/put", put);
    }

    private void retryLater(String what, EtcdException e, Runnable step) {
        int n = ++failures;
        // 250 ms doubling, at most a third of the TTL: renewals must not fall behind the lease.
        long delay = Math.min(TimeUnit.MILLISECONDS.toNanos(250) << Math.min(n - 1, 20),
                renewalNanos());
        LOG.log(Level.WARNING, () -> this + ": " + what + " failed (attempt " + n + "): "
                + e.getMessage() + "; retrying in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        schedule(step, delay);
    }

    private long renewalNanos() {
        return TimeUnit.SECONDS.toNanos(ttlSeconds) / 3;
    }

    private void schedule(Runnable step, long delayNanos) {
        if (stopped) {
            return;
        }
        try {
            next = scheduler.executor().schedule(() -> {
                try {
                    step.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.ERROR, this + ": a registration step failed; retrying", e);
                    schedule(step, renewalNanos());
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!stopped) {
                LOG.log(Level.ERROR, this + ": the scheduler rejected the next step; the"
                        + " registration will lapse when its lease expires", e);
            }
        }
    }

    private void revokeQuietly(long lease) {
        try {
            JsonObject body = new JsonObject();
            body.add("ID", Json.int64(lease));
            client.call("/v3/lease/revoke", body);
        } catch (EtcdException e) {
            if (e.code() != EtcdClient.NOT_FOUND) {
                LOG.log(Level.WARNING, () -> this + ": could not revoke lease "
                        + Long.toHexString(lease) + " (" + e.getMessage()
                        + "); etcd deletes the key when its TTL of " + ttlSeconds + " s runs out");
            }
        }
    }

    /**
     * Deregisters: with a drain time, marks the endpoint draining and waits that long (renewing
     * the lease meanwhile); then revokes the lease, which deletes the key, and stops. Blocks for
     * the drain time plus at most one request per member. If etcd cannot be reached, the key
     * goes away when its lease expires. Idempotent; a second call waits for the first.
     */
    @Override
    public void close() {
        if (closing) {
            awaitDeregistered();
            return;
        }
        closing = true;
        removeShutdownHook();
        boolean drain = false;
        synchronized (lock) {
            if (leaseId != 0 && !stopped && !drainTime.isZero()) {
                try {
                    put(leaseId, true);
                    drain = true;
                    LOG.log(Level.INFO, () -> this + ": draining for " + drainTime.toMillis()
                            + " ms before deregistering");
                } catch (EtcdException e) {
                    LOG.log(Level.WARNING, () -> this + ": could not mark the endpoint draining ("
                            + e.getMessage() + "); deregistering now");
                }
            }
        }
        if (drain) {
            try {
                scheduler.executor().schedule(this::deregister, drainTime.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                deregister();
            }
        } else {
            deregister();
        }
        awaitDeregistered();
    }

    private void deregister() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            ScheduledFuture<?> n = next;
            if (n != null) {
                n.cancel(false);
            }
            long lease = leaseId;
            leaseId = 0;
            if (lease != 0) {
                revokeQuietly(lease);
                LOG.log(Level.INFO, () -> this + ": deregistered");
            }
        }
        registered.completeExceptionally(new IllegalStateException(this + " was closed"));
        deregistered.complete(null);
        scheduler.close();
    }

    private void awaitDeregistered() {
        long bound = drainTime.toNanos() + client.requestTimeout().toNanos()
                * (client.endpoints().size() + 1) * 2;
        try {
            deregistered.get(bound, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, () -> this + ": deregistration did not finish in time ("
                    + e + "); the key goes away when its lease expires");
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (or ran) close() itself
            }
        }
    }

    /**
     * For tests: stops renewing without deregistering, as a killed server does; etcd deletes the
     * key when the lease expires.
     */
    void abandon() {
        synchronized (lock) {
            stopped = true;
            closing = true;
            ScheduledFuture<?> n = next;
            if (n != null) {
                n.cancel(false);
            }
        }
        removeShutdownHook();
        scheduler.close();
    }

    /** The current lease ID, 0 when none; for tests. */
    long leaseId() {
        return leaseId;
    }

    @Override
    public String toString() {
        return "EtcdRegistration[" + key + "]";
    }

    /**
     * Builds an {@link EtcdRegistration}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value. Arguments are validated
     * when set, with the allowed range in the message.
     */
    public static final class Builder {
        /**
         * 10 s: a dead server leaves the pool within 10 s, while a registration survives an etcd
         * leader election (about 1 s) and a few missed renewals.
         */
        public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

        private final EtcdClient client;
        private final String prefix;
        private final Endpoint endpoint;
        private Duration ttl;
        private Duration drainTime;
        private Boolean deregisterOnShutdown;
        private ScheduledExecutorService scheduler;

        private Builder(EtcdClient client, String prefix, Endpoint endpoint) {
            this.client = client;
            this.prefix = prefix;
            this.endpoint = endpoint;
        }

        /**
         * The lease's time to live, whole seconds, 2 s..1 h; default 10 s. A dead server
         * disappears at most this long after its last renewal. (etcd raises shorter TTLs to its
         * own minimum, 1.5 × its election timeout.)
         */
        public Builder ttl(Duration ttl) {
            requireNonNull(ttl, "ttl");
            Preconditions.checkOnce("ttl", this.ttl);
            if (ttl.compareTo(Duration.ofSeconds(2)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0
                    || ttl.toNanos() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException(
                        "ttl must be whole seconds in 2 s..1 h (PT2S..PT1H), was " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * How long {@link EtcdRegistration#close()} keeps the endpoint registered but marked
         * draining before it deletes the key; 0..10 min, default 0 (delete at once). Set it to
         * the time clients need to see the mark plus the time the server's calls take.
         */
        public Builder drainTime(Duration drainTime) {
            this.drainTime = Preconditions.setOnce("drainTime", this.drainTime, drainTime,
                    Duration.ZERO, Duration.ofMinutes(10), "0..10 min (PT0S..PT10M)");
            return this;
        }

        /**
         * Whether a JVM shutdown hook closes the registration (draining included), so that a
         * server stopped by SIGTERM leaves the pool at once instead of after its TTL; default
         * false.
         */
        public Builder deregisterOnShutdown(boolean deregisterOnShutdown) {
            Preconditions.checkOnce("deregisterOnShutdown", this.deregisterOnShutdown);
            this.deregisterOnShutdown = deregisterOnShutdown;
            return this;
        }

        /**
         * The scheduler of renewals; default a daemon thread owned by the registration. A given
         * scheduler is not shut down by {@link EtcdRegistration#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Preconditions.setOnce("scheduler", this.scheduler, scheduler);
            return this;
        }

        /** Builds the registration and starts registering at once, in the background. */
        public EtcdRegistration build() {
            return new EtcdRegistration(client, prefix, endpoint,
                    ttl != null ? ttl : DEFAULT_TTL,
                    drainTime != null ? drainTime : Duration.ZERO,
                    deregisterOnShutdown != null && deregisterOnShutdown, scheduler);
        }
    }
}
