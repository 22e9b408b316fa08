package io.lbkit.health;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Invariants of the gradient concurrency limit under any sequence of samples. */
class ConcurrencyLimitProperties {

    private static final long MS = 1_000_000L;

    /**
     * Each step: below 1,000 a sample with that many tenths of a millisecond of latency and a
     * use of the limit given by the step's last digit; from 1,000 a dropped call.
     */
    @Property(tries = 300)
    void limit_alwaysStaysWithinItsBounds(
            @ForAll @IntRange(min = 1, max = 50) int min,
            @ForAll @IntRange(min = 0, max = 500) int extra,
            @ForAll @IntRange(min = 1, max = 30) int window,
            @ForAll @Size(max = 3_000) List<@IntRange(min = 0, max = 1_050) Integer> steps) {
        int max = min + extra;
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradientBuilder().limitBounds(min, max)
                .windowSamples(window).build().newLimiter();
        for (int step : steps) {
            int inFlight = Math.max(1, l.limit() * (step % 10 + 1) / 10);
            if (step >= 1_000) {
                l.onDrop(inFlight);
            } else {
                l.onSample(step * MS / 10, inFlight);
            }
            int limit = l.limit();
            boolean probing = limit == Math.max(min, Math.min(max, GradientLimit.PROBE_LIMIT));
            if (!probing && (limit < min || limit > max)) {
                throw new AssertionError("limit " + limit + " outside " + min + ".." + max);
            }
        }
    }

    @Property(tries = 100)
    void steadyOverload_convergesNearWorkersTimesTolerance(
            @ForAll @IntRange(min = 1, max = 64) int workers,
            @ForAll @IntRange(min = 1, max = 100) int serviceMs) {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        long service = serviceMs * MS;
        ConcurrencyLimitTest.saturate(l, 600, workers, service);
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (int w = 0; w < 400; w++) {
            ConcurrencyLimitTest.saturate(l, 1, workers, service);
            if (l.limit() != GradientLimit.PROBE_LIMIT) {
                lo = Math.min(lo, l.limit());
                hi = Math.max(hi, l.limit());
            }
        }
        // Fixed point: limit = 1.5 × w + √limit, where w is the workers, or the probe limit when
        // there are fewer workers (then the probe itself queues and the no-load estimate is
        // that of the probe limit). The limit stays at or above the workers: the endpoint stays busy.
        int w = Math.max(workers, GradientLimit.PROBE_LIMIT);
        double fixed = 1.5 * w + Math.sqrt(1.5 * w) + 1;
        if (lo < Math.min(workers, 200) || hi > Math.min(200, 1.25 * fixed + 2)) {
            throw new AssertionError("workers " + workers + ": limit ranged " + lo + ".." + hi
                    + ", fixed point about " + fixed);
        }
    }

    @Property(tries = 100)
    void latencyAtNoLoad_neverShrinksAUsedLimit(
            @ForAll @IntRange(min = 1, max = 199) int initial,
            @ForAll @IntRange(min = 1, max = 2_000) int samples) {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradientBuilder().initialLimit(initial)
                .build().newLimiter();
        int previous = l.limit();
        for (int i = 0; i < samples; i++) {
            l.onSample(10 * MS, l.limit());
            int now = l.limit();
            if (now < previous && now != GradientLimit.PROBE_LIMIT && previous != GradientLimit.PROBE_LIMIT) {
                throw new AssertionError("limit fell " + previous + " -> " + now);
            }
            previous = now;
        }
    }

    /**
     * A failure no slower than every latency sampled so far (so within the tolerance of the
     * no-load estimate) changes nothing: the limit follows exactly the path it follows without
     * it. Each step: a sample of that many tenths of a millisecond, or (from 1,000) a quick
     * failure.
     */
    @Property(tries = 200)
    void quickFailures_leaveTheLimitsPathUnchanged(
            @ForAll @IntRange(min = 1, max = 30) int window,
            @ForAll @Size(max = 2_000) List<@IntRange(min = 1, max = 1_300) Integer> steps) {
        ConcurrencyLimit limit = ConcurrencyLimit.gradientBuilder().windowSamples(window).build();
        ConcurrencyLimit.Limiter with = limit.newLimiter();
        ConcurrencyLimit.Limiter without = limit.newLimiter();
        long fastest = Long.MAX_VALUE;
        for (int step : steps) {
            if (step >= 1_000) {
                long quick = fastest == Long.MAX_VALUE ? 0 : (step - 1_000) * fastest / 300;
                with.onFailure(quick, with.limit());
            } else {
                long latency = step * MS / 10;
                fastest = Math.min(fastest, latency);
                int inFlight = Math.max(1, without.limit() * (step % 10 + 1) / 10);
                with.onSample(latency, inFlight);
                without.onSample(latency, inFlight);
            }
            if (with.limit() != without.limit()) {
                throw new AssertionError("limit " + with.limit() + " with quick failures, "
                        + without.limit() + " without");
            }
        }
    }

    /** Failures, slow or quick, never raise the limit. */
    @Property(tries = 200)
    void failures_neverRaiseTheLimit(
            @ForAll @IntRange(min = 1, max = 30) int window,
            @ForAll @IntRange(min = 1, max = 100) int noLoadMs,
            @ForAll @Size(max = 2_000) List<@IntRange(min = 0, max = 10_000) Integer> failures) {
        GradientLimiter l = (GradientLimiter) ConcurrencyLimit.gradientBuilder()
                .windowSamples(window).build().newLimiter();
        for (int i = 0; i < window; i++) {
            l.onSample(noLoadMs * MS, l.limit());
        }
        int highest = l.limit(); // outside the no-load probes, which lower it for two windows
        for (int f : failures) {
            l.onFailure(f * MS / 10, l.limit());
            int now = l.limit();
            if (now > highest) {
                throw new AssertionError("a failure raised the limit " + highest + " -> " + now);
            }
            if (!l.probing()) {
                highest = now;
            }
        }
    }
}
