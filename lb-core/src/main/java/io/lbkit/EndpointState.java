package io.lbkit;

import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.HealthStatus;
import io.lbkit.internal.health.Member;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint's live state in one balancer, and the {@link Pick} handed out for it.
 * Thread-safe.
 */
/*
 * Implementation notes.
 *
 * One call costs two atomic adds on one long, `calls`: a pick adds 1, a success adds 2^32 - 1
 * (one more success, one fewer in flight), a failure or release subtracts 1. The low 32 bits are
 * the calls in flight as a signed int, the high 32 the successes modulo 2^32; getAndAdd makes the
 * arithmetic exact modulo 2^64, and a read is one volatile read of an exact value (an adder's
 * sum could see a racing report without its pick, a transient -1). A success also adds its
 * latency to `successNanos`, the long beside it (for metrics; see EndpointCounters, which widens
 * the successes to 64 bits). Every report updates its counts before it takes the call out of
 * flight, so an endpoint with nothing in flight has every reported call counted. Failures and
 * releases, the rare outcomes, are LongAdders of their own (their latency total too, in
 * EndpointCounters).
 *
 * Both longs sit with the other hot fields between the padding, so a call writes the one line
 * (two at most: the block is 8-byte, not line, aligned) whose estimate and score the pickers read
 * anyway, and neighbouring endpoints never share it. Until 2026-12-02 `calls` and `successNanos`
 * were LongAdders (unpadded objects of their own). An adder stripes into per-thread cells only
 * after two threads collide on its base, which with 100 endpoints can take long, so its updates
 * took a line the other core had written; once striped, a pick's read of a candidate sums every
 * cell, lines the other core writes. Measured with both builds in one JVM, rounds alternating
 * (BENCHMARKS.md, "In-flight counts as one padded atomic"), p20 ns per pick + report, adders ->
 * atomics, 3 / 100 endpoints: least request 1 thread 49.5 -> 37.9 / 85.0 -> 47.4, 2 threads
 * 115 -> 83.7 / 218 -> 72.5; peak EWMA 1 thread 82.4 -> 64.9 / 130 -> 80.8, 2 threads 157 -> 115
 * / 180 -> 103; round robin 1 thread 28.6 -> 17.4 / 49.7 -> 21.5. Round robin, which reads no
 * count on the pick, is the one loser: with two threads and adders that have striped, each
 * thread writes only its own cells, while the atomic is one line both write (2 threads 42.2 ->
 * 83.6 / 49.4 -> 77.9 in a run where they had striped, 35.2 -> 40.0 / 98.6 -> 35.6 in one where
 * they had not). At 3 endpoints two load-aware pickers meet on the same lines on most calls with
 * either layout (true sharing). Memory per endpoint (JOL): 16 bytes in the padded block instead
 * of two 32-byte adders and, once striped, two cell arrays and four 152-byte @Contended cells
 * (EndpointState and its adders 552 -> 496 bytes, 1,208 -> 496 once striped).
 *
 * The peak-EWMA latency is two volatile fields (value, time of last update) written by
 * reporters without a lock. Two reports racing can lose one sample or pair one value with the
 * other's timestamp; the estimate is statistical and both outcomes are harmless. The fields sit
 * between padding so that reports on neighbouring endpoints do not share a cache line. A report
 * writes them only when the estimate changes by more than 1/1024 (a slower sample, or one at
 * least decay/1024, at most 1 ms, after the last update): with two threads calling the same few
 * endpoints, rewriting the estimate on every report moved its line between the cores on every
 * call (peak EWMA at 2 threads cost 3-5x its 1-thread time); the pickers read the line, so it now
 * stays shared. Whether that window has passed is noted by the picks, which read the clock anyway
 * to decay the estimate: a pick that finds the estimate at least the window old sets the flag
 * `sampleDue` (once per update), and a success reads the clock for its sample only when the sample
 * is slower than the estimate or the flag is set; the update clears the flag. So most successes
 * on a working endpoint read no clock (each one did, a second clock read per call beside the
 * pick's; see BENCHMARKS.md). The window is thus measured to the latest pick rather than to the
 * report: a faster sample arriving after the window but before any pick has looked is skipped,
 * and the next one after a pick is applied, weighted by the whole time since the last update.
 * An endpoint that no pick evaluates (the only one of its table) takes only its slower samples
 * until its stats are read (which also sets the flag); no pick uses its estimate meanwhile.
 *
 * The failure score (see FailureScore) is two more volatile fields of the same kind, score and
 * stamp: a failure reads the clock and writes both; a success reads the score and, only when it
 * is non-zero, the clock, and writes both. A working endpoint's score is exactly 0, so its
 * successes and its picks cost one volatile read more. Racing reports may lose one outcome; the
 * score is an estimate and both outcomes are harmless. A third field, `failedLast`, is written
 * with them: whether that latest outcome was a failure. It needs no write of its own on the
 * common path: a failure always leaves the score at 1/4 or more, so a success that finds the
 * score at 0 finds the flag false already. A race can leave it set after a concurrent success;
 * the next success clears it.
 *
 * `lastSuccessNanos` is when a success was last reported, for retries that prefer an endpoint
 * seen working since their call began (a hanging endpoint, or one whose failures are not
 * reported yet, has none). Successes note it only while the balancer's FailureWatch is on (a
 * failure anywhere in the balancer in the last 10 s; retries follow failures) or when they read
 * the clock anyway (a peak-EWMA sample applied, a non-zero score), so that a balancer whose calls
 * all succeed reads no clock on most successes; it is written only when it is a millisecond old,
 * so a busy endpoint's successes write it at most once a millisecond.
 *
 * Health: a report touches only the failure streak (an atomic add on failure; on success a read,
 * and a write only if it was non-zero) and the `trial` flag. Crossing a threshold, or any
 * outcome while half-open, calls the HealthController, which takes the balancer's lock; those
 * are rare events. The rest of the health state belongs to the rules (`rules`, guarded by that
 * lock).
 *
 * Observers: every report then passes the endpoint, outcome and latency to the balancer's
 * Observers (an immutable array read with one volatile read; empty unless metrics are bound).
 *
 * Concurrency limit: with one configured, `limiter` (its own lock-free object, final, so it
 * lives and survives rebuilds with this state) gets every success and failure with the calls
 * in flight (one more volatile read); the routing table reads its limit() on the pick path.
 */
/*
 * Why one file of over 400 lines: one endpoint's lock-free state and the Pick over it; every
 * report method reads and writes the same padded fields (see EndpointStateFields), and the
 * implementation notes above, which say why each one is safe without a lock, are 80 lines.
 */
final class EndpointState extends EndpointStateFields implements Pick {

    private static final VarHandle FAILURE_STREAK = hot("failureStreak", int.class);
    private static final VarHandle CALLS = hot("calls", long.class);
    private static final VarHandle SUCCESS_NANOS = hot("successNanos", long.class);

    private static VarHandle hot(String name, Class<?> type) {
        return VarHandles.field(MethodHandles.lookup(), EndpointStateHot.class, name, type);
    }

    /** What a success adds to {@code calls}: one more success, one fewer in flight. */
    private static final long SUCCEEDED = (1L << 32) - 1;

    /** {@link #lastSuccessNanos} before the first success. */
    private static final long NEVER = Long.MIN_VALUE;

    /**
     * 1 ms: how stale {@link #lastSuccessNanos} may be; a success writes it only when it is older,
     * so a busy endpoint's successes write it at most once a millisecond.
     */
    private static final long SUCCESS_GRAIN_NANOS = 1_000_000;

    /** The floor of the idle-decay check: estimates younger than decay/64 are used as they are. */
    private static final int FRESH_SHIFT = 6;

    /**
     * A sample faster than the estimate that comes within decay/1024 of the estimate's last
     * update is skipped: it would move the estimate by less than 1/1024 of its value.
     */
    private static final int SKIP_SHIFT = 10;

    /**
     * 1 ms: the skip window's ceiling, so that with a long decay time (up to 1 h) a busy
     * endpoint's estimate still takes a sample at least every millisecond.
     */
    private static final long MAX_SKIP_NANOS = 1_000_000;

    /**
     * 5 s: a latency estimate with no new sample for this long is forgotten (reads as 0, "no
     * call completed yet"), and the next sample starts a fresh estimate. An endpoint avoided for
     * its latency (slow, or hanging until timeouts) then gets one real call, whose latency
     * replaces the old estimate: a recovered endpoint is back within about this long, however
     * slow it was, and one still failing costs one call per 5 s.
     */
    static final long LATENCY_EXPIRY_NANOS = 5_000_000_000L;

    /**
     * The ceiling of the latency estimate: 1 h in nanoseconds. A call that long is a failure by
     * any measure; the ceiling keeps a nonsensical reported latency from making the cost
     * products of the strategies overflow.
     */
    private static final double MAX_LATENCY_NANOS = 3_600e9;

    private final LongAdder failures = new LongAdder();
    private final LongAdder releases = new LongAdder();
    /** Second reports and lost picks detected in strictPicks mode. */
    private final java.util.concurrent.atomic.AtomicLong misuses =
            new java.util.concurrent.atomic.AtomicLong();
    private final Ticker ticker;
    /** Receives failure streaks and trial outcomes; null when no passive health rule is on. */
    private final HealthController health;
    /** The balancer's observers, told of every report. */
    private final Observers observers;
    /** The balancer's note of recent failures: while on, successes note their time. */
    private final FailureWatch watch;
    /** This endpoint's adaptive concurrency limit; null when the balancer has none. */
    final ConcurrencyLimit.Limiter limiter;
    /** Outcome counts and latency totals for metrics ({@link LoadBalancer#counters}). */
    final EndpointCounters counters = new EndpointCounters(this);

    /**
     * This endpoint's state in the health rules (io.lbkit.internal.health), each rule's own;
     * set when it joins. Guarded by the balancer's lock.
     */
    Member rules;

    EndpointState(Endpoint endpoint, Ticker ticker, long decayNanos, HealthController health,
            Observers observers, ConcurrencyLimit.Limiter limiter, FailureWatch watch) {
        super(decayNanos, Math.min(decayNanos >> SKIP_SHIFT, MAX_SKIP_NANOS));
        this.endpoint = endpoint;
        this.ticker = ticker;
        this.health = health;
        this.watch = watch;
        this.observers = observers;
        this.limiter = limiter;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    void endpoint(Endpoint updated) {
        this.endpoint = updated;
    }

    void acquire() {
        CALLS.getAndAdd(this, 1L);
    }

    @Override
    public void onSuccess(long latencyNanos) {
        // The latency before the call leaves flight (see BalancerCounters), on the same line.
        SUCCESS_NANOS.getAndAdd(this, Math.max(0, latencyNanos));
        CALLS.getAndAdd(this, SUCCEEDED);
        if (limiter != null) {
            limiter.onSample(Math.max(0, latencyNanos), inFlight() + 1);
        }
        boolean watching = watch.watching();
        double rtt = Math.min(Math.max(0, latencyNanos), MAX_LATENCY_NANOS);
        // A sample is applied only when it is slower than the estimate (the peak) or a pick has
        // seen the estimate due for one; otherwise it would be skipped anyway, without a clock.
        boolean sample = decayNanos != 0 && (rtt >= ewmaNanos || sampleDue != 0);
        if (sample || failureScore != 0 || watching) {
            long now = ticker.read();
            if (sample) {
                observe(rtt, now);
            }
            if (failureScore != 0) {
                score(false, now);
            }
            long last = lastSuccessNanos;
            if (last == NEVER || now - last >= SUCCESS_GRAIN_NANOS) {
                lastSuccessNanos = now;
                if (watching) {
                    watch.expire(now);
                }
            }
        }
        observers.onCall(endpoint, LoadBalancerObserver.Outcome.SUCCESS, Math.max(0, latencyNanos));
        if (failureStreak != 0) {
            failureStreak = 0;
        }
        if (trial) {
            health.onTrialSuccess(this);
        }
    }

    @Override
    public void onFailure(long latencyNanos) {
        failures.increment();
        counters.onFailure(latencyNanos);
        CALLS.getAndAdd(this, -1L);
        if (limiter != null) {
            limiter.onFailure(Math.max(0, latencyNanos), inFlight() + 1);
        }
        long now = ticker.read();
        if (decayNanos != 0) {
            // A failure must never make an endpoint look fast (a server failing in 1 ms would
            // otherwise attract traffic): it counts as the current estimate, or as long as it
            // took if that was longer (a timeout). What makes a failing endpoint costly is its
            // failure score, which decays with time; the estimate no longer doubles per failure,
            // which compounded over an outage and starved the endpoint long after it recovered.
            observe(Math.max(Math.max(0, latencyNanos), latencyNanos(now)), now);
        }
        score(true, now);
        watch.onFailure(now);
        observers.onCall(endpoint, LoadBalancerObserver.Outcome.FAILURE, Math.max(0, latencyNanos));
        if (health != null) {
            int streak = (int) FAILURE_STREAK.getAndAdd(this, 1) + 1;
            if (streak == 1) {
                streakStart = now;
            }
            if (streak >= health.streakThreshold || trial) {
                health.onFailure(this, streak);
            }
        }
    }

    private void score(boolean failed, long now) {
        double next = FailureScore.next(FailureScore.decayed(failureScore, failureStamp, now),
                failed);
        failureStamp = now;
        failureScore = next;
        failedLast = failed;
    }

    /** The failure score decayed to {@code now}; see {@link FailureScore}. */
    double failureScore(long now) {
        double f = failureScore;
        return f == 0 ? 0 : FailureScore.decayed(f, failureStamp, now);
    }

    /** The load-aware strategies' cost factor now; 1 without a clock read when the score is 0. */
    double failurePenalty() {
        double f = failureScore;
        return f == 0 ? 1 : FailureScore.penalty(FailureScore.decayed(f, failureStamp, ticker.read()));
    }

    @Override
    public boolean recentlyFailing() {
        double f = failureScore;
        return FailureScore.failing(f)
                && FailureScore.failing(FailureScore.decayed(f, failureStamp, ticker.read()));
    }

    @Override
    public boolean failedSinceLastSuccess() {
        return failedLast && failureScore(ticker.read()) != 0;
    }

    @Override
    public boolean succeededWithin(long nanos) {
        long last = lastSuccessNanos;
        return last != NEVER && ticker.read() - last
                <= Math.min(Math.max(nanos, 0), Long.MAX_VALUE - SUCCESS_GRAIN_NANOS)
                        + SUCCESS_GRAIN_NANOS;
    }

    void resetFailureStreak() {
        failureStreak = 0;
    }

    /**
     * Whether the endpoint has failed every call reported since at least {@code nanos} ago: a
     * hard failure (down, hanging, refusing, erroring), as opposed to an overloaded endpoint,
     * which still completes some calls.
     */
    boolean failingFor(long nanos, long now) {
        return failureStreak > 0 && now - streakStart >= nanos;
    }

    /** Calls reported successful since the endpoint joined, modulo 2^32. */
    long successes() {
        long v = calls;
        return (v - (int) v) >>> 32;
    }

    /** The latencies of the successes reported since the endpoint joined, summed (ns). */
    long successNanos() {
        return successNanos;
    }

    long failures() {
        return failures.sum();
    }

    long releases() {
        return releases.sum();
    }

    @Override
    public void release() {
        releases.increment();
        CALLS.getAndAdd(this, -1L);
        observers.onCall(endpoint, LoadBalancerObserver.Outcome.RELEASED, 0);
    }

    void countMisuse() {
        misuses.incrementAndGet();
    }

    long pickMisuses() {
        return misuses.get();
    }

    /** The in-flight count as counted: negative if reports outnumbered picks. For tests. */
    long inFlightSum() {
        return (int) calls;
    }

    int inFlight() {
        int n = (int) calls;
        return Math.max(n, 0);
    }

    /**
     * Whether the endpoint's calls in flight have reached {@code cap} or its concurrency limit:
     * the pick path's check, lock-free (one volatile read and, with a limit, one more).
     */
    boolean atCapacity(int cap) {
        int limit = limiter == null ? cap : Math.min(cap, limiter.limit());
        return inFlight() >= limit;
    }

    /**
     * The peak-EWMA latency estimate decayed to {@code now}, 0 when no call has completed or none
     * has for {@link #LATENCY_EXPIRY_NANOS}. An endpoint that stops receiving calls sees its
     * estimate fade (by 1/e per decay time) and then expire, so a once-slow endpoint is tried
     * again within seconds.
     */
    double latencyNanos(long now) {
        double e = ewmaNanos;
        if (e == 0) {
            return 0;
        }
        long age = now - stampNanos;
        if (age >= skipNanos && sampleDue == 0) {
            sampleDue = 1; // once per update: the next faster sample is applied
        }
        if (age <= decayNanos >> FRESH_SHIFT) {
            return e;
        }
        if (age > LATENCY_EXPIRY_NANOS) {
            return 0;
        }
        return e * Math.exp(-(double) age / decayNanos);
    }

    private void observe(double sample, long now) {
        double rtt = Math.min(sample, MAX_LATENCY_NANOS);
        double prev = ewmaNanos;
        long age = now - stampNanos;
        if (rtt >= prev || age > LATENCY_EXPIRY_NANOS) {
            ewmaNanos = rtt; // peak: a slower sample takes over at once
        } else if (age >= skipNanos) {
            double x = age / (double) decayNanos;
            // e^-x to second order when x is small (error below x^3/6 < 4e-6): under steady
            // traffic reports come within decay/64 of each other, and Math.exp costs ~20 ns.
            double w = x < 1.0 / 64 ? 1 - x + x * x / 2 : Math.exp(-x);
            ewmaNanos = prev * w + rtt * (1 - w);
        } else {
            // Faster than the estimate and within skipNanos of its last update (a failure, or a
            // success racing with a pick that read a later clock): applying it would
            // move the estimate by (prev - rtt)(1 - e^-x) < prev / 1024. Skipped, so that a busy
            // endpoint's estimate is not rewritten (and its cache line not taken from the other
            // cores' pickers) on every call; the next sample applied carries the whole interval.
            return;
        }
        stampNanos = now;
        if (sampleDue != 0) {
            sampleDue = 0;
        }
    }

    /** Called under the balancer's lock, with what the health rules say. */
    EndpointStats stats(HealthStatus status, int weightPercent, long ejections) {
        Optional<Duration> latency = Optional.empty();
        double nanos = decayNanos == 0 ? 0 : latencyNanos(ticker.read());
        if (nanos != 0) {
            latency = Optional.of(Duration.ofNanos((long) nanos));
        }
        OptionalInt limit = limiter == null ? OptionalInt.empty() : OptionalInt.of(limiter.limit());
        return new EndpointStats(endpoint, status, weightPercent, inFlight(), successes(),
                failures.sum(), latency, ejections, misuses.get(), limit);
    }

    @Override
    public String toString() {
        return "Pick[" + endpoint.address() + ", inFlight=" + inFlight() + "]";
    }
}

/** 128 bytes of padding before the hot fields. */
abstract class EndpointStatePadBefore {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p08, p09, p10, p11, p12, p13, p14, p15;
}

/**
 * Fields written by reporters; see the implementation notes of {@link EndpointState}. The JVM
 * lays out 8-byte fields first, in the order declared, so the ones the load-aware picks read
 * (calls, the failure score, the latency estimate and its constants) come first: a candidate
 * costs one cache line, two at most, instead of three (BENCHMARKS.md, "Peak EWMA at 10,000
 * endpoints").
 */
abstract class EndpointStateHot extends EndpointStatePadBefore {
    /**
     * Calls in flight in the low 32 bits (signed), successes (mod 2^32) above; updated only
     * with getAndAdd (EndpointState.CALLS).
     */
    volatile long calls;
    /** The failure score as of {@link #failureStamp}; exactly 0 for a working endpoint. */
    volatile double failureScore;
    volatile double ewmaNanos;
    volatile long stampNanos;
    final long decayNanos; // 0: latency not tracked
    /** Samples faster than the estimate closer than this to its last update are skipped. */
    final long skipNanos;
    /**
     * Whether a pick has seen the estimate at least skipNanos old since its last update: the
     * next sample faster than it is applied. Set by picks (1), cleared by the update (0). A long,
     * not a boolean, so that it is laid out with the fields above.
     */
    volatile long sampleDue;
    /** The successes' latencies, summed (ns); updated only with getAndAdd. */
    volatile long successNanos;
    volatile long failureStamp;
    /** When the current failure streak began (its first failure's report). */
    volatile long streakStart;
    /** When a success was last reported (to within 1 ms), or {@code Long.MIN_VALUE}: none yet. */
    volatile long lastSuccessNanos = Long.MIN_VALUE;
    volatile Endpoint endpoint;
    /** Failures reported in a row; reset by a success. */
    volatile int failureStreak;
    /** Whether the circuit is half-open, so successes must be reported to the health controller. */
    volatile boolean trial;
    /** Whether the outcome recorded in the failure score at {@link #failureStamp} was a failure. */
    volatile boolean failedLast;

    EndpointStateHot(long decayNanos, long skipNanos) {
        this.decayNanos = decayNanos;
        this.skipNanos = skipNanos;
    }
}

/** 128 bytes of padding after the hot fields. */
abstract class EndpointStateFields extends EndpointStateHot {
    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q08, q09, q10, q11, q12, q13, q14, q15;

    EndpointStateFields(long decayNanos, long skipNanos) {
        super(decayNanos, skipNanos);
    }
}
