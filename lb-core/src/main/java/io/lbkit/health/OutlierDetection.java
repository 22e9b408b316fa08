package io.lbkit.health;

import io.lbkit.internal.Preconditions;
import java.time.Duration;

/**
 * Passive outlier detection: ejects endpoints whose reported calls fail, judged from the outcomes
 * callers report on {@link io.lbkit.Pick}. Immutable and thread-safe.
 *
 * <p>Three detectors, as in Envoy and gRPC-java:
 * <ul>
 * <li><b>consecutive failures</b> (on by default): an endpoint whose last
 *     {@link #consecutiveFailures()} calls failed is ejected at once;
 * <li><b>success rate</b> (on by default): every {@link #interval()}, among endpoints with at least
 *     {@link #successRateRequestVolume()} calls, one whose success rate is below
 *     {@code mean - stdevFactor × stdev} of the others is ejected; needs
 *     {@link #successRateMinimumHosts()} such endpoints;
 * <li><b>failure percentage</b> (off by default): every interval, an endpoint with at least
 *     {@link #failurePercentageRequestVolume()} calls of which at least
 *     {@link #failurePercentageThreshold()} percent failed is ejected.
 * </ul>
 * An ejected endpoint returns after {@code baseEjectionTime × n}, where n counts its recent
 * ejections (n grows by one per ejection and shrinks by one per whole interval spent healthy),
 * capped at {@link #maxEjectionTime()}.
 *
 * <p>At most {@link #maxEjectionPercent()} of the endpoints (but at least one) are ejected on a
 * detector's word alone. Beyond that share an endpoint is ejected only when it has failed every
 * call for 1 s (an overloaded endpoint, which still completes some, is not) and the endpoints
 * that would stay in rotation show that the fault is its own: at least one of them is working
 * (not known to be failing by its recent calls) and the working ones are at least as many as the
 * failing ones. So with 3 of 5 endpoints down and 2 working, all 3 are ejected; when most fail
 * alike (the caller's fault, a shared dependency) or fail only partly (overload) the cap holds;
 * the last working endpoint is never ejected. docs/failure-model.md has the table for k of n failing.
 */
public final class OutlierDetection {

    private static final OutlierDetection DEFAULTS = builder().build();
    private static final OutlierDetection DISABLED = builder().consecutiveFailures(0)
            .successRateStdevFactor(0).build();

    private final int consecutiveFailures;
    private final Duration interval;
    private final Duration baseEjectionTime;
    private final Duration maxEjectionTime;
    private final int maxEjectionPercent;
    private final double successRateStdevFactor;
    private final int successRateMinimumHosts;
    private final int successRateRequestVolume;
    private final int failurePercentageThreshold;
    private final int failurePercentageMinimumHosts;
    private final int failurePercentageRequestVolume;

    private OutlierDetection(Builder b) {
        consecutiveFailures = b.consecutiveFailures;
        interval = b.interval;
        baseEjectionTime = b.baseEjectionTime;
        maxEjectionTime = b.maxEjectionTime;
        maxEjectionPercent = b.maxEjectionPercent;
        successRateStdevFactor = b.successRateStdevFactor / 1000.0;
        successRateMinimumHosts = b.successRateMinimumHosts;
        successRateRequestVolume = b.successRateRequestVolume;
        failurePercentageThreshold = b.failurePercentageThreshold;
        failurePercentageMinimumHosts = b.failurePercentageMinimumHosts;
        failurePercentageRequestVolume = b.failurePercentageRequestVolume;
    }

    /** The defaults: consecutive failures 5 and success-rate detection, Envoy's values. */
    public static OutlierDetection ofDefaults() {
        return DEFAULTS;
    }

    /** No outlier detection: endpoints are never ejected for the outcomes of their calls. */
    public static OutlierDetection disabled() {
        return DISABLED;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Failures in a row that eject an endpoint; 0 when this detector is off. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** How often the rate detectors run and ejection multipliers shrink. */
    public Duration interval() {
        return interval;
    }

    public Duration baseEjectionTime() {
        return baseEjectionTime;
    }

    public Duration maxEjectionTime() {
        return maxEjectionTime;
    }

    public int maxEjectionPercent() {
        return maxEjectionPercent;
    }

    /** The success-rate detector's factor; 0 when that detector is off. */
    public double successRateStdevFactor() {
        return successRateStdevFactor;
    }

    public int successRateMinimumHosts() {
        return successRateMinimumHosts;
    }

    public int successRateRequestVolume() {
        return successRateRequestVolume;
    }

    /** The failure-percentage detector's threshold; 0 when that detector is off. */
    public int failurePercentageThreshold() {
        return failurePercentageThreshold;
    }

    public int failurePercentageMinimumHosts() {
        return failurePercentageMinimumHosts;
    }

    public int failurePercentageRequestVolume() {
        return failurePercentageRequestVolume;
    }

    /** Whether any detector is on. */
    public boolean isEnabled() {
        return consecutiveFailures > 0 || successRateStdevFactor > 0
                || failurePercentageThreshold > 0;
    }

    @Override
    public String toString() {
        return "OutlierDetection[consecutiveFailures=" + consecutiveFailures + ", interval="
                + interval + ", baseEjectionTime=" + baseEjectionTime + ", maxEjectionTime="
                + maxEjectionTime + ", maxEjectionPercent=" + maxEjectionPercent
                + ", successRateStdevFactor=" + successRateStdevFactor
                + ", failurePercentageThreshold=" + failurePercentageThreshold + "]";
    }

    /**
     * Builds an {@link OutlierDetection}. Not thread-safe. Each option may be set once; values
     * are checked when set.
     */
    public static final class Builder {
        // Defaults are Envoy's outlier_detection defaults (and gRPC-java's where it has them).
        private int consecutiveFailures = 5;
        private Duration interval = Duration.ofSeconds(10);
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        private Duration maxEjectionTime = Duration.ofSeconds(300);
        private int maxEjectionPercent = 10;
        private int successRateStdevFactor = 1900; // thousandths: 1.9 standard deviations
        private int successRateMinimumHosts = 5;
        private int successRateRequestVolume = 100;
        private int failurePercentageThreshold; // off
        private int failurePercentageMinimumHosts = 5;
        private int failurePercentageRequestVolume = 50;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder() {}

        /** Failures in a row that eject, 0 (off)..1,000; default 5. */
        public Builder consecutiveFailures(int n) {
            consecutiveFailures = set.range("consecutiveFailures", consecutiveFailures, n,
                    0, 1_000);
            return this;
        }

        /** How often rate detection runs, 100 ms..1 h; default 10 s. */
        public Builder interval(Duration d) {
            interval = set.range("interval", interval, d,
                    Duration.ofMillis(100), Duration.ofHours(1));
            return this;
        }

        /** The first ejection's length, 10 ms..1 h; default 30 s. */
        public Builder baseEjectionTime(Duration d) {
            baseEjectionTime = set.range("baseEjectionTime", baseEjectionTime, d,
                    Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** The longest ejection, 10 ms..24 h; default 300 s. Must be at least the base time. */
        public Builder maxEjectionTime(Duration d) {
            maxEjectionTime = set.range("maxEjectionTime", maxEjectionTime, d,
                    Duration.ofMillis(10), Duration.ofHours(24));
            return this;
        }

        /**
         * The share of endpoints ejected on a detector's word alone, in percent, 0..100; default
         * 10 (and at least one). Beyond it, only endpoints failing while most of the rest work
         * are ejected (see the class comment).
         */
        public Builder maxEjectionPercent(int percent) {
            maxEjectionPercent = set.range("maxEjectionPercent", maxEjectionPercent, percent,
                    0, 100);
            return this;
        }

        /**
         * The success-rate detector's stdev factor in thousandths, 0 (off)..10,000; default 1,900
         * (1.9 standard deviations, as Envoy's {@code success_rate_stdev_factor}).
         */
        public Builder successRateStdevFactor(int thousandths) {
            successRateStdevFactor = set.range("successRateStdevFactor", successRateStdevFactor,
                    thousandths, 0, 10_000);
            return this;
        }

        /** Endpoints with enough volume the success-rate detector needs, 1..10,000; default 5. */
        public Builder successRateMinimumHosts(int n) {
            successRateMinimumHosts = set.range("successRateMinimumHosts", successRateMinimumHosts,
                    n, 1, 10_000);
            return this;
        }

        /** Calls per interval an endpoint needs to be judged by success rate, 1..10^9; default 100. */
        public Builder successRateRequestVolume(int n) {
            successRateRequestVolume = set.range("successRateRequestVolume",
                    successRateRequestVolume, n, 1, 1_000_000_000);
            return this;
        }

        /** Failure percentage that ejects, 0 (off)..100; default 0 (off; Envoy uses 85 when on). */
        public Builder failurePercentageThreshold(int percent) {
            failurePercentageThreshold = set.range("failurePercentageThreshold",
                    failurePercentageThreshold, percent, 0, 100);
            return this;
        }

        /** Endpoints the failure-percentage detector needs, 1..10,000; default 5. */
        public Builder failurePercentageMinimumHosts(int n) {
            failurePercentageMinimumHosts = set.range("failurePercentageMinimumHosts",
                    failurePercentageMinimumHosts, n, 1, 10_000);
            return this;
        }

        /** Calls per interval an endpoint needs to be judged by failure percentage; default 50. */
        public Builder failurePercentageRequestVolume(int n) {
            failurePercentageRequestVolume = set.range("failurePercentageRequestVolume",
                    failurePercentageRequestVolume, n, 1, 1_000_000_000);
            return this;
        }

        /**
         * @throws IllegalArgumentException if maxEjectionTime is shorter than baseEjectionTime
         */
        public OutlierDetection build() {
            if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
                throw new IllegalArgumentException("maxEjectionTime (" + maxEjectionTime
                        + ") must be at least baseEjectionTime (" + baseEjectionTime + ")");
            }
            return new OutlierDetection(this);
        }
    }
}
