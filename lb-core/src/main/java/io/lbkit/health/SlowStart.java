package io.lbkit.health;

import io.lbkit.internal.Preconditions;
import java.time.Duration;

/**
 * Slow start: an endpoint that joins a running balancer, or returns from ejection, DOWN or an open
 * circuit, receives a growing share of traffic over {@link #window()} instead of its full share at
 * once. Immutable and thread-safe.
 *
 * <p>Its effective weight at time t into the window is
 * {@code weight × max(minWeightPercent / 100, (t / window)^(1 / aggression))}, as Envoy's
 * {@code slow_start_config}. It acts through weights, so it needs a weight-aware strategy:
 * weighted round robin, weighted random, least request or peak EWMA (which divide their load
 * figures by the weight). Endpoints present when the balancer starts begin at full weight.
 */
public final class SlowStart {

    private final Duration window;
    private final double aggression;
    private final int minWeightPercent;

    private SlowStart(Builder b) {
        window = b.window;
        aggression = b.aggression / 100.0;
        minWeightPercent = b.minWeightPercent;
    }

    /** Slow start over {@code window}, aggression 1 (linear), minimum weight 10%. */
    public static SlowStart of(Duration window) {
        return builder(window).build();
    }

    public static Builder builder(Duration window) {
        return new Builder(window);
    }

    public Duration window() {
        return window;
    }

    public double aggression() {
        return aggression;
    }

    public int minWeightPercent() {
        return minWeightPercent;
    }

    /** The weight factor in (0, 1] at {@code elapsedNanos} into the window. */
    public double factor(long elapsedNanos) {
        long w = window.toNanos();
        if (elapsedNanos >= w) {
            return 1.0;
        }
        double t = Math.max(0, elapsedNanos) / (double) w;
        double f = aggression == 1.0 ? t : Math.pow(t, 1.0 / aggression);
        return Math.max(minWeightPercent / 100.0, f);
    }

    @Override
    public String toString() {
        return "SlowStart[window=" + window + ", aggression=" + aggression
                + ", minWeightPercent=" + minWeightPercent + "]";
    }

    /** Builds a {@link SlowStart}. Not thread-safe. Each option may be set once. */
    public static final class Builder {
        private final Duration window;
        private int aggression = 100;
        private int minWeightPercent = 10;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder(Duration window) {
            this.window = Preconditions.checkRange("window", window, Duration.ofMillis(100),
                    Duration.ofHours(1));
        }

        /**
         * How fast the weight grows, in hundredths, 10..1,000; default 100 (linear). Above 100 the
         * ramp rises quickly then flattens; below, it starts slowly.
         */
        public Builder aggression(int hundredths) {
            aggression = set.range("aggression", aggression, hundredths, 10, 1_000);
            return this;
        }

        /** The starting share of the weight, 1..100 percent; default 10 (Envoy's). */
        public Builder minWeightPercent(int percent) {
            minWeightPercent = set.range("minWeightPercent", minWeightPercent, percent, 1, 100);
            return this;
        }

        public SlowStart build() {
            return new SlowStart(this);
        }
    }
}
