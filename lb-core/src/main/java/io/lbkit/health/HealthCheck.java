package io.lbkit.health;

import io.lbkit.internal.Preconditions;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Active health checking: every {@link #interval()} (± {@link #jitterPercent()} percent), the
 * balancer runs {@link #probe()} against each endpoint; {@link #fall()} failed checks in a row
 * mark it DOWN (out of the routing table), {@link #rise()} passing checks in a row mark it UP
 * again. Immutable and thread-safe.
 *
 * <p>New endpoints start UP and are probed at once: a group update or a cold start never waits
 * for probes, and a dead newcomer is taken out after {@code fall} checks ({@code fall × interval}
 * at most). Defaults are HAProxy's: inter 2 s, rise 2, fall 3; timeout 1 s.
 */
public final class HealthCheck {

    private final HealthProbe probe;
    private final Duration interval;
    private final Duration timeout;
    private final int rise;
    private final int fall;
    private final int jitterPercent;

    private HealthCheck(Builder b) {
        probe = b.probe;
        interval = b.interval;
        timeout = b.timeout;
        rise = b.rise;
        fall = b.fall;
        jitterPercent = b.jitterPercent;
    }

    /** Checks with {@code probe} and the defaults. */
    public static HealthCheck of(HealthProbe probe) {
        return builder(probe).build();
    }

    public static Builder builder(HealthProbe probe) {
        return new Builder(probe);
    }

    public HealthProbe probe() {
        return probe;
    }

    public Duration interval() {
        return interval;
    }

    public Duration timeout() {
        return timeout;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    public int jitterPercent() {
        return jitterPercent;
    }

    @Override
    public String toString() {
        return "HealthCheck[" + probe + ", interval=" + interval + ", timeout=" + timeout
                + ", rise=" + rise + ", fall=" + fall + ", jitter=" + jitterPercent + "%]";
    }

    /** Builds a {@link HealthCheck}. Not thread-safe. Each option may be set once. */
    public static final class Builder {
        private final HealthProbe probe;
        private Duration interval = Duration.ofSeconds(2);
        private Duration timeout = Duration.ofSeconds(1);
        private int rise = 2;
        private int fall = 3;
        private int jitterPercent = 10;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder(HealthProbe probe) {
            this.probe = requireNonNull(probe, "probe");
        }

        /** Time between checks of one endpoint, 10 ms..1 h; default 2 s. */
        public Builder interval(Duration d) {
            interval = set.range("interval", interval, d,
                    Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** How long one check may take before it counts as failed, 1 ms..1 min; default 1 s. */
        public Builder timeout(Duration d) {
            timeout = set.range("timeout", timeout, d, Duration.ofMillis(1), Duration.ofMinutes(1));
            return this;
        }

        /** Passing checks in a row that mark a DOWN endpoint UP, 1..100; default 2. */
        public Builder rise(int n) {
            rise = set.range("rise", rise, n, 1, 100);
            return this;
        }

        /** Failed checks in a row that mark an UP endpoint DOWN, 1..100; default 3. */
        public Builder fall(int n) {
            fall = set.range("fall", fall, n, 1, 100);
            return this;
        }

        /** Random spread of the interval, 0..50 percent; default 10, so probes do not align. */
        public Builder jitterPercent(int percent) {
            jitterPercent = set.range("jitterPercent", jitterPercent, percent, 0, 50);
            return this;
        }

        public HealthCheck build() {
            return new HealthCheck(this);
        }
    }
}
