package io.lbkit.health;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The gradient concurrency limit's configuration; see {@link ConcurrencyLimit.GradientBuilder}. */
record GradientLimit(int initialLimit, int minLimit, int maxLimit, double tolerance,
        double smoothing, int windowSamples) implements ConcurrencyLimit {

    /** Windows between two no-load measurements: 200 (5,000 samples at the default window). */
    static final int PROBE_INTERVAL_WINDOWS = 200;

    /**
     * The limit while the no-load latency is measured: 3 calls, Envoy's min_concurrency (or the
     * current limit, when that is lower).
     */
    static final int PROBE_LIMIT = 3;

    /** Multiplier of the limit after a window with a dropped call: 0.9, as Netflix's AIMD. */
    static final double BACKOFF = 0.9;

    static final GradientLimit DEFAULTS = (GradientLimit) new ConcurrencyLimit.GradientBuilder().build();

    @Override
    public Limiter newLimiter() {
        return new GradientLimiter(this);
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit.gradient[initial=" + initialLimit + ", bounds=" + minLimit + ".."
                + maxLimit + ", tolerance=" + tolerance + ", smoothing=" + smoothing
                + ", windowSamples=" + windowSamples + "]";
    }
}

/** One endpoint's gradient limit. Thread-safe and lock-free. */
/*
 * Implementation notes.
 *
 * Samples accumulate in atomics: count, sum of latencies (ns), drops and the largest in-flight
 * figure seen. The sampler that finds count >= windowSamples and wins the CAS on `closing`
 * closes the window: it takes the window's figures with getAndSet(0), updates the estimate and
 * publishes the new integer limit with one volatile write. `closing` makes the closer the only
 * writer of the estimate fields (estimate, noLoad, the probe counters), which are plain fields:
 * its CAS (acquire) and its final set(false) (release) order them between successive closers. A
 * sampler that finds a close under way just counts into the next window; nobody waits.
 *
 * Races: a sample landing while the window is taken may put its latency in one window and its
 * count in the next, or its in-flight figure in either; each window's mean is off by at most a
 * few samples, which the smoothing absorbs. Readers of limit() see the previous or the new
 * limit. noLoad is volatile because onFailure reads it on any reporting thread to tell a drop
 * from an ignorable failure; a read racing a close sees the old or the new estimate, both
 * sound. Nothing is allocated after construction.
 */
final class GradientLimiter implements ConcurrencyLimit.Limiter {

    private final GradientLimit config;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sum = new AtomicLong();
    private final AtomicInteger drops = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile int limit;

    // Written only by the closer (see the notes).
    private double estimate;
    /** Volatile: also read by onFailure on the reporting threads. */
    private volatile double noLoad = Double.NaN;
    private int windowsToProbe;
    /** 0 when not probing; 2 in the first (draining) probe window, 1 in the measuring one. */
    private int probeWindowsLeft;

    GradientLimiter(GradientLimit config) {
        this.config = config;
        this.estimate = config.initialLimit();
        this.limit = config.initialLimit();
        this.windowsToProbe = GradientLimit.PROBE_INTERVAL_WINDOWS;
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public void onSample(long latencyNanos, int inFlight) {
        sum.addAndGet(Math.max(0, latencyNanos));
        noteInFlight(inFlight);
        if (count.incrementAndGet() >= config.windowSamples()) {
            tryClose();
        }
    }

    @Override
    public void onDrop(int inFlight) {
        drops.incrementAndGet();
        noteInFlight(inFlight);
        if (count.incrementAndGet() >= config.windowSamples()) {
            tryClose();
        }
    }

    @Override
    public void onFailure(long latencyNanos, int inFlight) {
        // A failure slower than the tolerated latency is a drop (a timeout, a queued answer);
        // a quicker one, or any before the first window, says nothing about capacity.
        if (latencyNanos > config.tolerance() * noLoad) { // false while noLoad is NaN
            onDrop(inFlight);
        }
    }

    private void noteInFlight(int inFlight) {
        int seen;
        while (inFlight > (seen = maxInFlight.get())
                && !maxInFlight.compareAndSet(seen, inFlight)) {
            // retry: another sampler raised it meanwhile
        }
    }

    private void tryClose() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            long n = count.getAndSet(0);
            if (n < config.windowSamples()) {
                count.addAndGet(n); // another closer took this window already
                return;
            }
            long total = sum.getAndSet(0);
            int dropped = drops.getAndSet(0);
            int used = maxInFlight.getAndSet(0);
            long answered = n - dropped;
            double rtt = answered > 0 ? (double) total / answered : Double.NaN;
            close(rtt, dropped, used);
        } finally {
            closing.set(false);
        }
    }

    private void close(double rtt, int dropped, int used) {
        if (probeWindowsLeft > 0) {
            probeWindowsLeft--;
            if (probeWindowsLeft == 0) {
                if (dropped == 0 && rtt > 0) {
                    noLoad = rtt;
                }
                publish(estimate);
            }
            return;
        }
        if (rtt > 0 && !(rtt >= noLoad)) {
            noLoad = rtt; // a new low (or the first window)
        }
        double next;
        if (dropped > 0) {
            next = estimate * GradientLimit.BACKOFF;
        } else if (rtt > 0) {
            double gradient = Math.max(0.5, Math.min(1.0, config.tolerance() * noLoad / rtt));
            double target = gradient * estimate + Math.sqrt(estimate);
            if (target > estimate && used < estimate / 2) {
                target = estimate; // the limit is not used: no evidence that it can grow
            }
            next = (1 - config.smoothing()) * estimate + config.smoothing() * target;
        } else {
            next = estimate;
        }
        estimate = Math.max(config.minLimit(), Math.min(config.maxLimit(), next));
        if (--windowsToProbe <= 0) {
            windowsToProbe = GradientLimit.PROBE_INTERVAL_WINDOWS;
            probeWindowsLeft = 2;
            // Down to the probe limit, never up: a limit already below it queues nothing.
            limit = Math.max(config.minLimit(), Math.min(Math.max(1, (int) estimate),
                    Math.min(config.maxLimit(), GradientLimit.PROBE_LIMIT)));
            return;
        }
        publish(estimate);
    }

    private void publish(double value) {
        limit = Math.max(1, (int) value);
    }

    /** Whether the no-load latency is being measured (the limit held low); for tests. */
    boolean probing() {
        return probeWindowsLeft > 0;
    }

    /** The no-load latency estimate in nanoseconds, NaN before the first window; for tests. */
    double noLoadNanos() {
        return noLoad;
    }

    @Override
    public String toString() {
        return "GradientLimiter[limit=" + limit + "]";
    }
}
