package io.lbkit.internal.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.testing.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Each health rule on its own, against a fake {@link RuleContext} and fake members: the rule owns
 * its per-endpoint slot and drives it through its transitions without a balancer.
 */
class HealthRulesTest {

    private final FakeScheduler clock = new FakeScheduler();
    private final List<FakeMember> members = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final List<Member> returned = new ArrayList<>();
    private int rebuilds;

    private final RuleContext ctx = new RuleContext() {
        @Override
        public long now() {
            return clock.read();
        }

        @Override
        public Collection<? extends Member> members() {
            return members;
        }

        @Override
        public void emit(HealthEvent.Type type, Member member, String detail) {
            events.add(type + (member == null ? "" : " " + member.endpoint().address()));
        }

        @Override
        public void returned(Member member) {
            returned.add(member);
        }

        @Override
        public ScheduledFuture<?> schedule(Member member, BooleanSupplier change, long delayNanos) {
            return clock.schedule(() -> {
                if ((member == null || !member.removed()) && change.getAsBoolean()) {
                    rebuilds++;
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public ScheduledFuture<?> scheduleUnlocked(Member member, Runnable task, long delayNanos) {
            return clock.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void apply(Member member, BooleanSupplier change) {
            if (!member.removed() && change.getAsBoolean()) {
                rebuilds++;
            }
        }
    };

    /** A member whose signals the test sets. */
    private static final class FakeMember extends Member {
        final Endpoint endpoint;
        boolean failingNow;
        boolean trial;
        int streakResets;

        FakeMember(int i) {
            endpoint = Endpoint.of("10.0.0." + i, 80);
        }

        @Override
        protected Endpoint endpoint() {
            return endpoint;
        }

        @Override
        protected long successes() {
            return 0;
        }

        @Override
        protected long failures() {
            return 0;
        }

        @Override
        protected boolean failing(long now) {
            return failingNow;
        }

        @Override
        protected boolean failingFor(long nanos, long now) {
            return failingNow;
        }

        @Override
        protected void resetFailureStreak() {
            streakResets++;
        }

        @Override
        protected void trial(boolean on) {
            trial = on;
        }
    }

    private FakeMember member(int i) {
        FakeMember m = new FakeMember(i);
        members.add(m);
        return m;
    }

    @Test
    void circuitBreaker_opensHalfOpensAndClosesItsOwnCircuit() {
        CircuitBreakerRule rule = new CircuitBreakerRule(CircuitBreaker.builder()
                .failureThreshold(3).openDuration(Duration.ofSeconds(1)).trialCalls(2).build(), ctx);
        FakeMember m = member(1);
        rule.joined(m);
        assertFalse(rule.onFailure(m, 2));
        assertTrue(rule.onFailure(m, 3));
        assertEquals(HealthStatus.CIRCUIT_OPEN, m.status());
        assertFalse(m.eligible());

        clock.advance(Duration.ofSeconds(1));
        assertEquals(HealthStatus.CIRCUIT_HALF_OPEN, m.status());
        assertTrue(m.trial, "reports must pass successes on while half-open");
        assertTrue(m.halfOpen() && m.eligible());
        assertFalse(rule.onTrialSuccess(m));
        assertTrue(rule.onTrialSuccess(m));
        assertEquals(HealthStatus.HEALTHY, m.status());
        assertFalse(m.trial);
        assertEquals(List.of(m), returned, "a closed circuit starts slow start");
        assertEquals(List.of("CIRCUIT_OPENED 10.0.0.1:80", "CIRCUIT_HALF_OPEN 10.0.0.1:80",
                "CIRCUIT_CLOSED 10.0.0.1:80"), events);
        assertEquals(1, rebuilds, "the timer's transition asks for one rebuild");
    }

    @Test
    void outlierEjection_respectsTheCapUnlessTheOthersVouch() {
        OutlierDetectionRule rule = new OutlierDetectionRule(OutlierDetection.builder()
                .consecutiveFailures(5).maxEjectionPercent(10)
                .baseEjectionTime(Duration.ofSeconds(30)).build(), ctx);
        List<FakeMember> ms = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            FakeMember m = member(i);
            rule.joined(m);
            ms.add(m);
        }
        assertTrue(rule.onFailure(ms.get(0), 5));
        assertTrue(ms.get(0).ejected());
        assertEquals(1, ms.get(0).ejections());
        // The cap (10 % of 5, at least 1) is reached; a partly failing endpoint stays.
        assertFalse(rule.onFailure(ms.get(1), 5));
        // Failing every call while the other three work: ejected beyond the cap.
        ms.get(1).failingNow = true;
        assertTrue(rule.onFailure(ms.get(1), 5));
        assertEquals(HealthStatus.EJECTED, ms.get(1).status());

        clock.advance(Duration.ofSeconds(30));
        assertFalse(ms.get(0).ejected());
        assertFalse(ms.get(1).ejected());
        assertEquals(List.of(ms.get(0), ms.get(1)), returned);
        assertEquals(2, rebuilds);
    }

    @Test
    void slowStart_rampsTheWeightOfItsOwnMembers() {
        SlowStartRule rule = new SlowStartRule(SlowStart.of(Duration.ofSeconds(10)), ctx);
        FakeMember joining = member(1);
        FakeMember initial = member(2);
        rule.joined(joining, true);
        rule.joined(initial, false);
        assertTrue(joining.ramping());
        assertFalse(initial.ramping());
        assertEquals(10, rule.weightPercent(joining, clock.read()));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(50, rule.effectiveWeight(joining, 100, clock.read()));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(100, rule.effectiveWeight(joining, 100, clock.read()));
        assertFalse(joining.ramping(), "a complete ramp ends");
    }

    @Test
    void removedMember_timersDoNothing() {
        CircuitBreakerRule rule = new CircuitBreakerRule(CircuitBreaker.ofDefaults(), ctx);
        FakeMember m = member(1);
        rule.joined(m);
        assertTrue(rule.onFailure(m, 5));
        m.markRemoved();
        rule.left(m);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(HealthStatus.CIRCUIT_OPEN, m.status());
        assertEquals(0, rebuilds);
    }
}
