package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.testing.FakeScheduler;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The refresh loop with a scripted source and a fake clock: deterministic, no network. */
class DnsEndpointGroupTest {

    private static final Endpoint A = Endpoint.of("192.0.2.1", 80);
    private static final Endpoint B = Endpoint.of("192.0.2.2", 80);

    private final FakeScheduler clock = new FakeScheduler();
    private final Script script = new Script();

    /** Each resolve() takes the next scripted outcome; an exhausted script throws. */
    private static final class Script implements Lookups.Source {
        final Deque<Object> outcomes = new ArrayDeque<>();
        final AtomicInteger calls = new AtomicInteger();

        Script then(List<Endpoint> endpoints, long ttl) {
            outcomes.add(new Lookups.Resolution(endpoints, ttl, ""));
            return this;
        }

        Script thenEmpty(String reason) {
            outcomes.add(Lookups.Resolution.empty(-1, reason));
            return this;
        }

        Script thenPartial(List<Endpoint> endpoints, long ttl, String problem) {
            outcomes.add(new Lookups.Resolution(endpoints, ttl, "", problem));
            return this;
        }

        Script thenFail() {
            outcomes.add(new SocketTimeoutException("scripted timeout"));
            return this;
        }

        @Override
        public Lookups.Resolution resolve() throws IOException {
            calls.incrementAndGet();
            Object o = outcomes.poll();
            if (o == null) {
                throw new IOException("script exhausted");
            }
            if (o instanceof IOException) {
                throw (IOException) o;
            }
            return (Lookups.Resolution) o;
        }
    }

    private DnsEndpointGroup group(boolean allowEmpty) {
        return new DnsEndpointGroup("test", script, Duration.ofSeconds(1), Duration.ofMinutes(5),
                Duration.ofSeconds(1), Duration.ofSeconds(30), allowEmpty, clock, clock);
    }

    @Test
    void firstResolution_makesGroupReady() {
        script.then(List.of(A, B), 60);
        DnsEndpointGroup g = group(false);
        assertFalse(g.whenReady().isDone(), "nothing runs before the scheduler does");
        clock.runDue();
        assertEquals(List.of(A, B), g.whenReady().join());
        assertEquals(List.of(A, B), g.endpoints());
    }

    @Test
    void refresh_isScheduledAtTheTtl() {
        script.then(List.of(A), 60).then(List.of(A, B), 60);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        assertEquals(List.of(Duration.ofSeconds(60)), clock.pendingDelays());
        clock.advance(Duration.ofSeconds(59));
        assertEquals(List.of(A), g.endpoints());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(A, B), g.endpoints());
    }

    @Test
    void refresh_clampsTtlZeroToMinTtl() {
        script.then(List.of(A), 0);
        group(false);
        clock.runDue();
        assertEquals(List.of(Duration.ofSeconds(1)), clock.pendingDelays());
    }

    @Test
    void refresh_clampsLongTtlToMaxTtl() {
        script.then(List.of(A), 86_400);
        group(false);
        clock.runDue();
        assertEquals(List.of(Duration.ofMinutes(5)), clock.pendingDelays());
    }

    @Test
    void dnsRefresh_keepsLastGoodSetOnTimeout_andBacksOffExponentiallyWithJitter() {
        script.then(List.of(A, B), 1);
        for (int i = 0; i < 8; i++) {
            script.thenFail();
        }
        script.then(List.of(B), 1);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        clock.advance(Duration.ofSeconds(1)); // first failure
        long[] expectedBase = {1, 2, 4, 8, 16, 30, 30, 30};
        for (int i = 0; i < expectedBase.length; i++) {
            assertEquals(List.of(A, B), g.endpoints(), "last good set kept after failure " + i);
            Duration delay = clock.pendingDelays().get(0);
            Duration base = Duration.ofSeconds(expectedBase[i]);
            assertTrue(delay.compareTo(base) <= 0
                            && delay.compareTo(base.multipliedBy(8).dividedBy(10)) >= 0,
                    "failure " + (i + 1) + ": delay " + delay + " should be in [0.8, 1] x " + base);
            clock.advance(delay);
        }
        assertEquals(List.of(B), g.endpoints(), "recovery resumes updates");
        assertEquals(List.of(Duration.ofSeconds(1)), clock.pendingDelays(),
                "backoff resets after success");
    }

    @Test
    void emptyAnswer_doesNotWipeNonEmptySetByDefault() {
        script.then(List.of(A), 1).thenEmpty("NXDOMAIN").then(List.of(B), 1);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(A), g.endpoints());
        clock.advance(clock.pendingDelays().get(0));
        assertEquals(List.of(B), g.endpoints());
    }

    @Test
    void emptyAnswer_doesNotMakeGroupReadyByDefault() {
        script.thenEmpty("NXDOMAIN").then(List.of(A), 1);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        assertFalse(g.whenReady().isDone());
        clock.advance(clock.pendingDelays().get(0));
        assertEquals(List.of(A), g.whenReady().join());
    }

    @Test
    void emptyAnswer_wipesSetWhenAllowed() {
        script.then(List.of(A), 1).thenEmpty("NXDOMAIN");
        DnsEndpointGroup g = group(true);
        clock.runDue();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), g.endpoints());
        assertEquals(List.of(Duration.ofSeconds(1)), clock.pendingDelays(),
                "an allowed empty answer is a success: next refresh at minTtl");
    }

    @Test
    void close_stopsTimers() {
        script.then(List.of(A), 1).then(List.of(B), 1);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        g.close();
        assertEquals(List.of(), clock.pendingDelays());
        clock.advance(Duration.ofMinutes(10));
        assertEquals(1, script.calls.get());
    }

    @Test
    void close_beforeFirstResolution_failsWhenReady() {
        DnsEndpointGroup g = group(false);
        g.close();
        assertTrue(g.whenReady().isCompletedExceptionally());
        clock.runDue();
        assertEquals(0, script.calls.get());
    }

    @Test
    void endpointThatPersistsAcrossRefresh_keepsInFlightCountInLoadBalancer() {
        script.then(List.of(A), 1).then(List.of(A, B), 1).then(List.of(B, A), 1);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        LoadBalancer lb = LoadBalancer.builder(g).build();
        Pick p = lb.pick();
        assertEquals(A, p.endpoint());
        clock.advance(Duration.ofSeconds(2));
        EndpointStats a = lb.stats().stream().filter(s -> s.endpoint().equals(A)).findFirst()
                .orElseThrow();
        assertEquals(2, lb.stats().size());
        assertEquals(1, a.inFlight(), "in-flight call survives the refresh");
        p.onSuccess(1_000);
        assertEquals(1, lb.stats().stream().filter(s -> s.endpoint().equals(A)).findFirst()
                .orElseThrow().successes());
    }

    @Test
    void backoff_neverExceedsMaxEvenAfterManyFailures() {
        DnsEndpointGroup g = group(false);
        for (int n = 1; n < 200; n++) {
            long d = g.backoffNanos(n);
            assertTrue(d > 0 && d <= Duration.ofSeconds(30).toNanos(), "failure " + n + ": " + d);
        }
    }

    @Test
    void listenerThatThrowsAnError_doesNotEndTheRefreshChain_andIsLogged() {
        script.then(List.of(A), 1).then(List.of(A, B), 1).then(List.of(B), 1);
        DnsEndpointGroup g = group(false);
        List<List<Endpoint>> seen = new ArrayList<>();
        g.subscribe(snapshot -> {
            seen.add(snapshot);
            throw new StackOverflowError("listener bug");
        });
        clock.runDue();
        clock.advance(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(A), List.of(A, B), List.of(B)), seen,
                "every refresh ran and was delivered");
        assertEquals(List.of(Duration.ofSeconds(1)), clock.pendingDelays(), "the chain goes on");
        // The base class delivers outside its lock and logs each throwing listener (even an
        // Error) itself, so none reaches the refresh: the group's own last-resort catch is idle.
        assertEquals(0, g.listenerErrors(), "no listener Error escaped into the refresh");
    }

    @Test
    void partialResolution_isAdopted_andAskedAgainAfterTheBackoffWhenSoonerThanTheTtl() {
        script.thenPartial(List.of(A), 60, "1 of 2 lookups failed")
                .thenPartial(List.of(A), 60, "1 of 2 lookups failed")
                .then(List.of(A, B), 60);
        DnsEndpointGroup g = group(false);
        clock.runDue();
        assertEquals(List.of(A), g.whenReady().join());
        assertEquals(0, g.consecutiveFailures(), "adopted, not failed");
        Duration first = clock.pendingDelays().get(0);
        assertTrue(first.compareTo(Duration.ofMillis(800)) >= 0
                && first.compareTo(Duration.ofSeconds(1)) <= 0, "backoff 1 s less jitter: " + first);
        clock.advance(first);
        Duration second = clock.pendingDelays().get(0);
        assertTrue(second.compareTo(Duration.ofMillis(1600)) >= 0
                && second.compareTo(Duration.ofSeconds(2)) <= 0, "backoff 2 s less jitter: " + second);
        clock.advance(second);
        assertEquals(List.of(A, B), g.endpoints());
        assertEquals(List.of(Duration.ofSeconds(60)), clock.pendingDelays(),
                "a full answer goes back to the TTL");
    }
}
