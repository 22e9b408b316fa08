package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which peak-EWMA samples a success applies, and that the ones it skips cost no clock read: a
 * faster sample is applied only once a pick has found the estimate due for one (at least
 * decay/1024, at most 1 ms, old); a slower one always (see EndpointState's implementation notes).
 */
class PeakEwmaSampleTest {

    private static final Endpoint A = Endpoint.of("10.9.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.9.0.2", 80);

    /** A fake clock that counts its readings. */
    private static final class CountingTicker implements Ticker {
        final AtomicLong now = new AtomicLong(1_000_000);
        final AtomicLong reads = new AtomicLong();

        @Override
        public long read() {
            reads.incrementAndGet();
            return now.get();
        }
    }

    private static LoadBalancer balancer(CountingTicker ticker, Endpoint... endpoints) {
        return LoadBalancer.builder(EndpointGroup.of(endpoints)).strategy(Strategy.peakEwma())
                .ticker(ticker).outlierDetection(OutlierDetection.disabled()).build();
    }

    private static long latency(LoadBalancer lb, Endpoint e) {
        return lb.stats().stream().filter(s -> s.endpoint().equals(e)).findFirst().orElseThrow()
                .latency().orElseThrow().toNanos();
    }

    @Test
    void fasterSample_beforeAnyPickFoundTheEstimateDue_isSkippedWithoutAClockRead() {
        CountingTicker ticker = new CountingTicker();
        try (LoadBalancer lb = balancer(ticker, A)) {
            lb.pick().onSuccess(10_000_000); // the first sample: applied
            Pick p = lb.pick(); // the estimate is fresh: not due
            ticker.now.addAndGet(Duration.ofMillis(2).toNanos());
            long reads = ticker.reads.get();
            p.onSuccess(5_000_000);
            assertEquals(reads, ticker.reads.get(), "a skipped sample reads no clock");
            assertEquals(10_000_000, latency(lb, A));
        }
    }

    @Test
    void fasterSample_afterAPickFoundTheEstimateDue_isAppliedAtTheReportsTime() {
        CountingTicker ticker = new CountingTicker();
        try (LoadBalancer lb = balancer(ticker, A)) {
            lb.pick().onSuccess(10_000_000);
            ticker.now.addAndGet(Duration.ofMillis(2).toNanos());
            Pick p = lb.pick(); // 2 ms old, past the 1 ms window: due
            ticker.now.addAndGet(Duration.ofMillis(3).toNanos());
            long reads = ticker.reads.get();
            p.onSuccess(5_000_000);
            assertTrue(ticker.reads.get() > reads, "an applied sample is stamped with the clock");
            // Weighted by the 5 ms since the last update (decay 10 s), not the 2 ms to the pick.
            double x = 5e-3 / 10;
            double w = 1 - x + x * x / 2;
            assertEquals(10e6 * w + 5e6 * (1 - w), latency(lb, A), 1);
            // Applied, the estimate is fresh again: the next faster sample is skipped.
            Pick q = lb.pick();
            q.onSuccess(1_000_000);
            assertEquals(10e6 * w + 5e6 * (1 - w), latency(lb, A), 1);
        }
    }

    @Test
    void slowerSample_isAlwaysAppliedAtOnce() {
        CountingTicker ticker = new CountingTicker();
        try (LoadBalancer lb = balancer(ticker, A)) {
            lb.pick().onSuccess(2_000_000);
            Pick p = lb.pick();
            p.onSuccess(7_000_000); // within the window, nothing due: the peak still takes over
            assertEquals(7_000_000, latency(lb, A));
        }
    }

    @Test
    void avoidedEndpoint_isMarkedDueByPicksThatChooseTheOther_soItsFasterSampleIsApplied() {
        CountingTicker ticker = new CountingTicker();
        try (LoadBalancer lb = balancer(ticker, A, B)) {
            // One call each (the second pick avoids the first's unproven endpoint in flight).
            Pick first = lb.pick();
            Pick second = lb.pick();
            (first.endpoint().equals(B) ? first : second).onSuccess(50_000_000);
            (first.endpoint().equals(B) ? second : first).onSuccess(1_000_000);
            // Load A until a pick goes to B, then let A's calls finish.
            List<Pick> onA = new ArrayList<>();
            Pick onB = lb.pick();
            while (onB.endpoint().equals(A)) {
                onA.add(onB);
                onB = lb.pick();
            }
            onA.forEach(p -> p.onSuccess(1_000_000));
            ticker.now.addAndGet(Duration.ofMillis(2).toNanos());
            Pick x = lb.pick(); // draws both, takes A, finds both estimates due
            assertEquals(A, x.endpoint());
            onB.onSuccess(10_000_000);
            x.onSuccess(1_000_000);
            assertTrue(latency(lb, B) < 50_000_000, "B's estimate came down: " + latency(lb, B));
        }
    }
}
