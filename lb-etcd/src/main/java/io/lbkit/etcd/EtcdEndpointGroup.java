package io.lbkit.etcd;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.lbkit.AbstractEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import io.lbkit.internal.Backoff;
import io.lbkit.internal.OwnedScheduler;
import io.lbkit.internal.Preconditions;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An endpoint group fed by etcd: one endpoint per key under a prefix, kept current by an etcd
 * watch. Thread-safe.
 *
 * <pre>{@code
 * EtcdClient etcd = EtcdClient.of("http://127.0.0.1:2379");
 * EtcdEndpointGroup orders = EtcdEndpointGroup.of(etcd, "/services/orders/");
 * LoadBalancer lb = LoadBalancer.builder(orders).build();
 * }</pre>
 *
 * <p><b>Keys and values.</b> Every key that starts with the prefix is one endpoint; the key's
 * name is free (registrations use {@code <prefix><host:port>}). Values are read in etcd's naming
 * API format, as grpc-go services registered with etcd's {@code endpoints.Manager} write them,
 * {@code {"Op":0,"Addr":"10.0.0.1:8080","Metadata":{...}}}, optionally with lbkit's members
 * {@code "weight"}, {@code "zone"}, {@code "region"} and {@code "priority"}; {@code Metadata}'s
 * members become the endpoint's attributes. A bare {@code host:port} is read too. A value that is
 * none of these is logged (quoted, escaped and cut) and skipped; if the key held a good value
 * before, that endpoint stays. Endpoints whose {@code Metadata} carries {@code "draining":"true"}
 * (see {@link EtcdRegistration.Builder#drainTime}) are left out. When two keys name the same
 * address, the first key (in key order) wins. Snapshots list endpoints in key order.
 *
 * <p><b>Watching.</b> The group reads the prefix once (a linearizable range read), then watches
 * it from the next revision, so every change reaches it within one network round trip. When the
 * stream breaks (the member died or lost its leader), the group opens a new watch on the next
 * member from the last revision it saw, so it misses nothing (a member that stops answering
 * without closing the stream is found by a cheap request every {@link Builder#checkInterval});
 * when that revision was compacted
 * meanwhile, it reads the prefix again and publishes the difference. While no member answers, the
 * last good set stays in force; the group logs each failed attempt and retries with exponential
 * backoff and jitter ({@link Builder#initialBackoff} .. {@link Builder#maxBackoff}). An empty
 * prefix is a valid answer: it publishes an empty set (etcd answers consistently, so empty means
 * no server is registered).
 *
 * <p><b>Readiness.</b> {@link #whenReady()} completes after the first successful read, even when
 * it finds no endpoints; until then {@link #endpoints()} is empty.
 *
 * <p><b>Threads.</b> The group's work runs one task at a time on its scheduler (by default a
 * daemon thread of its own); the range read blocks that thread for up to the client's request
 * timeout per member. Snapshots are published from that thread.
 */
/*
 * Why one file of over 400 lines: the group is one state machine (read the prefix, watch from the
 * read's revision, check the watched member, fall back to a new read on any doubt), whose steps
 * share the generation counter and the last good endpoints; split across files they would have to
 * expose that state to each other. The public nested Builder is about 90 lines; the value parsing
 * (EndpointValues), the watch stream (EtcdWatch) and the transport (EtcdClient) are files of their
 * own.
 */
/*
 * Implementation notes.
 *
 * All state below "confined" is touched only by tasks of `serial`, which run one at a time, so it
 * needs no lock; the executor's queue gives the happens-before edges between tasks. Watch lines
 * arrive on the HTTP client's threads and are handed to `serial` tagged with the generation of
 * the stream they came from: a stream that was replaced (generation moved on) or cancelled may
 * still deliver a line or two, which the tasks drop. `failures` is volatile for tests only;
 * `watch` and `retry` are volatile so that close() can cancel them from any thread. A task racing
 * with close() sees isClosed() and does nothing.
 */
public final class EtcdEndpointGroup extends AbstractEndpointGroup {

    private static final System.Logger LOG = System.getLogger(EtcdEndpointGroup.class.getName());

    private final EtcdClient client;
    private final String prefix;
    private final String keyBase64;
    private final String rangeEndBase64;
    private final Backoff backoff;
    private final long checkIntervalNanos;
    private final Ticker ticker;
    private final OwnedScheduler scheduler;
    private final SerialExecutor serial;

    private volatile EtcdWatch watch;
    private volatile ScheduledFuture<?> retry;
    /** Consecutive failures since the last good read or watch start; volatile for tests. */
    private volatile int failures;
    private volatile long revision;
    /** Successful range reads; volatile for tests. */
    private volatile int reads;

    // confined to serial tasks
    private final TreeMap<String, Endpoint> byKey = new TreeMap<>();
    private int generation;
    private boolean created;
    private long lastSuccessNanos;

    private EtcdEndpointGroup(EtcdClient client, String prefix, Backoff backoff,
            Duration checkInterval, Ticker ticker, ScheduledExecutorService scheduler) {
        this.client = client;
        this.prefix = prefix;
        byte[] key = prefix.getBytes(StandardCharsets.UTF_8);
        this.keyBase64 = Json.base64(key);
        this.rangeEndBase64 = Json.base64(Json.prefixEnd(key));
        this.backoff = backoff;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.ticker = ticker;
        this.scheduler = OwnedScheduler.of(scheduler, "lbkit-etcd " + prefix);
        this.serial = new SerialExecutor(this.scheduler.executor(), toString());
        serial.execute(() -> connect(true));
    }

    /**
     * The group of the endpoints under {@code prefix}, with the defaults; reading starts at once.
     *
     * @throws IllegalArgumentException as {@link #builder}
     */
    public static EtcdEndpointGroup of(EtcdClient client, String prefix) {
        return builder(client, prefix).build();
    }

    /**
     * A builder for the group of the endpoints under {@code prefix}.
     *
     * @param prefix the key prefix, such as {@code /services/orders/}; a {@code /} is appended
     *     when it does not end with one, as etcd's naming API does ({@code foo/bar/my-service}
     *     watches {@code foo/bar/my-service/})
     * @throws IllegalArgumentException if the prefix is empty or has control characters
     */
    public static Builder builder(EtcdClient client, String prefix) {
        requireNonNull(client, "client");
        return new Builder(client, checkPrefix(prefix));
    }

    /** The prefix with a trailing {@code /}, or an IllegalArgumentException. */
    static String checkPrefix(String prefix) {
        requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || prefix.equals("/")) {
            throw new IllegalArgumentException("prefix must name a service, such as"
                    + " /services/orders/, was " + Json.quote(prefix));
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.isISOControl(prefix.charAt(i))) {
                throw new IllegalArgumentException("prefix must not contain control characters,"
                        + " was " + Json.quote(prefix));
            }
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** The watched prefix (ending with {@code /}). */
    public String prefix() {
        return prefix;
    }

    /** Reads the prefix when needed, then opens a watch from the next revision. */
    private void connect(boolean read) {
        retry = null;
        if (isClosed()) {
            return;
        }
        if (read) {
            JsonObject answer;
            try {
                JsonObject body = new JsonObject();
                body.addProperty("key", keyBase64);
                body.addProperty("range_end", rangeEndBase64);
                answer = client.call("/v3/kv/range", body);
            } catch (EtcdException e) {
                fail("reading the prefix failed: " + e.getMessage());
                return;
            }
            onRange(answer);
        }
        openWatch();
    }

    private void onRange(JsonObject answer) {
        long rev = Json.int64(Json.child(answer, "header"), "revision");
        TreeMap<String, Endpoint> next = new TreeMap<>();
        JsonElement kvs = answer.get("kvs");
        if (kvs != null && kvs.isJsonArray()) {
            for (JsonElement e : kvs.getAsJsonArray()) {
                JsonObject kv = e.getAsJsonObject();
                String key = Json.text(kv, "key");
                Endpoint ep = parse(key, Json.text(kv, "value"));
                if (ep != null) {
                    next.put(key, ep);
                }
            }
        }
        boolean wasReady = whenReady().isDone();
        int before = byKey.size();
        byKey.clear();
        byKey.putAll(next);
        revision = rev;
        reads++;
        lastSuccessNanos = ticker.read();
        publish();
        if (failures > 0 || !wasReady) {
            LOG.log(Level.INFO, () -> this + ": read " + next.size() + " key(s) at revision " + rev
                    + (wasReady ? " (had " + before + ")" : ""));
        }
    }

    private void openWatch() {
        EtcdWatch old = watch;
        if (old != null) {
            old.cancel();
        }
        int gen = ++generation;
        created = false;
        JsonObject create = new JsonObject();
        create.addProperty("key", keyBase64);
        create.addProperty("range_end", rangeEndBase64);
        create.add("start_revision", Json.int64(revision + 1));
        create.addProperty("progress_notify", true);
        JsonObject request = new JsonObject();
        request.add("create_request", create);
        watch = client.watch(request, new EtcdWatch.Listener() {
            @Override
            public void onLine(String line) {
                serial.execute(() -> onWatchLine(gen, line));
            }

            @Override
            public void onEnd(Throwable error) {
                serial.execute(() -> onWatchEnd(gen, error));
            }
        });
        // A member that accepts the connection but never answers must not hold the group.
        long timeout = client.requestTimeout().toNanos();
        serial.schedule(() -> {
            if (gen == generation && !created && !isClosed()) {
                EtcdWatch w = watch;
                abandonWatch();
                client.memberFailed(w.memberIndex);
                fail("no answer to the watch at " + w.member + " within " + millis(timeout) + " ms");
            }
        }, timeout);
    }

    private void onWatchLine(int gen, String line) {
        if (gen != generation || isClosed()) {
            return;
        }
        JsonObject result;
        try {
            JsonObject o = Json.object(line);
            if (o.has("error")) {
                client.memberFailed(watch.memberIndex);
                abandonWatch();
                fail("the watch stream failed: " + Json.quote(o.get("error").toString()));
                return;
            }
            result = Json.child(o, "result");
        } catch (IllegalArgumentException e) {
            abandonWatch();
            fail("the watch stream sent " + e.getMessage() + ": " + Json.quote(line));
            return;
        }
        if (Json.bool(result, "canceled")) {
            long compactRevision = Json.int64(result, "compact_revision");
            watch.cancel();
            if (compactRevision > 0) {
                LOG.log(Level.INFO, () -> this + ": revision " + (revision + 1) + " was compacted"
                        + " (compacted up to " + compactRevision + "); reading the prefix again");
                connect(true);
            } else {
                client.memberFailed(watch.memberIndex); // no leader there, say: try the next
                abandonWatch();
                String reason = result.has("cancel_reason")
                        ? result.get("cancel_reason").getAsString() : "no reason given";
                fail("etcd cancelled the watch: " + Json.quote(reason));
            }
            return;
        }
        if (Json.bool(result, "created")) {
            long current = Json.int64(Json.child(result, "header"), "revision");
            if (current < revision) {
                // A cluster restored from a backup or rebuilt empty at the same address: a watch
                // from our revision would wait for revisions this etcd has not reached.
                long had = revision;
                LOG.log(Level.WARNING, () -> this + ": etcd's revision went back from " + had
                        + " to " + current + " (restored or rebuilt?); reading the prefix again");
                watch.cancel();
                connect(true);
                return;
            }
            created = true;
            scheduleCheck(gen);
            int hadFailures = failures;
            failures = 0;
            lastSuccessNanos = ticker.read();
            if (hadFailures > 0) {
                LOG.log(Level.INFO, () -> this + ": watching again at " + watch.member
                        + " from revision " + (revision + 1) + " after " + hadFailures
                        + " failed attempt(s)");
            }
        }
        JsonElement events = result.get("events");
        if (events == null || !events.isJsonArray() || events.getAsJsonArray().isEmpty()) {
            if (!Json.bool(result, "created")) { // a progress notification: caught up to there
                revision = Math.max(revision, Json.int64(Json.child(result, "header"), "revision"));
            }
            return;
        }
        boolean changed = false;
        for (JsonElement e : (JsonArray) events) {
            JsonObject ev = e.getAsJsonObject();
            JsonObject kv = Json.child(ev, "kv");
            String key = Json.text(kv, "key");
            revision = Math.max(revision, Json.int64(kv, "mod_revision"));
            boolean delete = ev.has("type") && "DELETE".equals(ev.get("type").getAsString());
            if (delete) {
                changed |= byKey.remove(key) != null;
            } else {
                Endpoint ep = parse(key, Json.text(kv, "value"));
                if (ep != null) {
                    changed |= !ep.equals(byKey.put(key, ep));
                }
            }
        }
        lastSuccessNanos = ticker.read();
        if (changed) {
            publish();
        }
    }

    /**
     * Every {@code checkInterval}, while the watch lives, asks its member for the prefix's
     * key count: a member that stopped answering (hung, or cut off without a reset, so the stream
     * never breaks) is then abandoned for the next one.
     */
    private void scheduleCheck(int gen) {
        serial.schedule(() -> {
            if (gen != generation || isClosed()) {
                return;
            }
            EtcdWatch w = watch;
            JsonObject body = new JsonObject();
            body.addProperty("key", keyBase64);
            body.addProperty("range_end", rangeEndBase64);
            body.addProperty("count_only", true);
            try {
                client.callOnly(w.memberIndex, "/v3/kv/range", body);
            } catch (EtcdException e) {
                if (gen == generation && !isClosed()) {
                    abandonWatch();
                    client.memberFailed(w.memberIndex);
                    fail("the watch's member stopped answering: " + e.getMessage());
                }
                return;
            }
            scheduleCheck(gen);
        }, checkIntervalNanos);
    }

    private void onWatchEnd(int gen, Throwable error) {
        if (gen != generation || isClosed()) {
            return;
        }
        EtcdWatch w = watch;
        abandonWatch();
        client.memberFailed(w.memberIndex);
        fail("the watch at " + w.member + (error == null ? " ended"
                : " failed: " + error.getClass().getSimpleName()
                        + (error.getMessage() == null ? "" : " " + error.getMessage())));
    }

    /** Stops the current watch; lines it still delivers are dropped (the generation moved on). */
    private void abandonWatch() {
        EtcdWatch w = watch;
        generation++;
        if (w != null) {
            w.cancel();
        }
    }

    /** Logs a failure and schedules the next attempt: a watch from the last revision seen. */
    private void fail(String what) {
        int n = ++failures;
        long delay = backoff.nanos(n);
        boolean ready = whenReady().isDone();
        LOG.log(Level.WARNING, () -> this + ": " + what + " (attempt " + n + "); " + keeping()
                + "; retrying in " + millis(delay) + " ms");
        retry = serial.schedule(() -> connect(!ready), delay);
    }

    private String keeping() {
        if (!whenReady().isDone()) {
            return "not ready yet";
        }
        return "keeping the last good set of " + endpoints().size() + " endpoint(s), last heard"
                + " from etcd " + millis(ticker.read() - lastSuccessNanos) + " ms ago";
    }

    /** The value's endpoint, or null (logged) if it is malformed and the key had none before. */
    private Endpoint parse(String key, String value) {
        try {
            return EndpointValues.parse(value);
        } catch (EndpointValues.MalformedValueException e) {
            Endpoint previous = byKey.get(key);
            LOG.log(Level.WARNING, () -> this + ": key " + Json.quote(key) + " has a malformed"
                    + " value (" + e.getMessage() + "): " + Json.quote(value) + "; "
                    + (previous == null ? "skipping it" : "keeping its last good value " + previous));
            return previous;
        }
    }

    private void publish() {
        List<Endpoint> list = new ArrayList<>(byKey.size());
        Map<String, String> keyOfAddress = new HashMap<>();
        for (Map.Entry<String, Endpoint> e : byKey.entrySet()) {
            Endpoint ep = e.getValue();
            if (EndpointValues.isDraining(ep)) {
                continue;
            }
            String first = keyOfAddress.putIfAbsent(ep.address(), e.getKey());
            if (first != null) {
                LOG.log(Level.WARNING, () -> this + ": keys " + Json.quote(first) + " and "
                        + Json.quote(e.getKey()) + " both name " + ep.address()
                        + "; using the first");
                continue;
            }
            list.add(ep);
        }
        update(list);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Consecutive failed attempts since the last success; for tests. */
    int consecutiveFailures() {
        return failures;
    }

    /** How many times the group has read the whole prefix; for tests. */
    int reads() {
        return reads;
    }

    /** Stops watching; the client stays open (it may serve other groups). */
    @Override
    public void close() {
        super.close();
        ScheduledFuture<?> r = retry;
        if (r != null) {
            r.cancel(false);
        }
        EtcdWatch w = watch;
        if (w != null) {
            w.cancel();
        }
        scheduler.close();
    }

    @Override
    public String toString() {
        return "EtcdEndpointGroup[" + prefix + "]";
    }

    /**
     * Builds an {@link EtcdEndpointGroup}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value. Arguments are validated
     * when set, with the allowed range in the message.
     */
    public static final class Builder {
        /** 200 ms: a member restart or a failover to the next member is over quickly. */
        public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
        /** 10 s: the longest wait between attempts while no member answers. */
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
        /** 10 s: one cheap request per group every 10 s finds a member gone silent. */
        public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);

        private static final Duration MIN_DURATION = Duration.ofMillis(1);
        private static final Duration MAX_DURATION = Duration.ofHours(1);

        private final EtcdClient client;
        private final String prefix;
        private Duration initialBackoff;
        private Duration maxBackoff;
        private Duration checkInterval;
        private Ticker ticker;
        private ScheduledExecutorService scheduler;

        private Builder(EtcdClient client, String prefix) {
            this.client = client;
            this.prefix = prefix;
        }

        /** The first retry delay after a failure; 1 ms..1 h, default 200 ms. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = checkRange("initialBackoff", this.initialBackoff, initialBackoff);
            return this;
        }

        /** The longest retry delay; 1 ms..1 h, at least initialBackoff; default 10 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = checkRange("maxBackoff", this.maxBackoff, maxBackoff);
            return this;
        }

        /**
         * How often the group asks the member its watch is on for the prefix's key count, to find
         * a member that stopped answering without closing the stream (hung, or cut off with no
         * connection reset); 1 ms..1 h, default 10 s. Such a member is then left for the next
         * one within this interval plus the client's request timeout.
         */
        public Builder checkInterval(Duration checkInterval) {
            this.checkInterval = checkRange("checkInterval", this.checkInterval,
                    checkInterval);
            return this;
        }

        /** The time source (for the "last heard from etcd" of log lines); default the system's. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Preconditions.setOnce("ticker", this.ticker, ticker);
            return this;
        }

        /**
         * The scheduler that runs the group's work (one task at a time, whatever its thread
         * count); default a daemon thread owned by the group. A given scheduler is not shut down
         * by {@link EtcdEndpointGroup#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Preconditions.setOnce("scheduler", this.scheduler, scheduler);
            return this;
        }

        /**
         * Builds the group and starts reading at once (on the scheduler).
         *
         * @throws IllegalArgumentException if initialBackoff exceeds maxBackoff
         */
        public EtcdEndpointGroup build() {
            Backoff backoff = Backoff.of(
                    initialBackoff != null ? initialBackoff : DEFAULT_INITIAL_BACKOFF,
                    maxBackoff != null ? maxBackoff : DEFAULT_MAX_BACKOFF);
            return new EtcdEndpointGroup(client, prefix, backoff,
                    checkInterval != null ? checkInterval : DEFAULT_CHECK_INTERVAL,
                    ticker != null ? ticker : Ticker.system(), scheduler);
        }

        /** A duration option's whole check: set once, not null, in 1 ms..1 h. */
        private static Duration checkRange(String field, Duration earlier, Duration d) {
            return Preconditions.setOnce(field, earlier, d, MIN_DURATION, MAX_DURATION,
                    "1 ms..1 h (PT0.001S..PT1H)");
        }
    }
}
