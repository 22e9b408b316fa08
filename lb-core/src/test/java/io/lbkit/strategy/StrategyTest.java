package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrategyTest {

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, 11, Integer.MAX_VALUE})
    void leastRequest_rejectsChoiceCountOutside2To10(int choices) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Strategy.leastRequest(choices));
        assertEquals("choiceCount must be in 2..10, was " + choices, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 10})
    void leastRequest_acceptsChoiceCountIn2To10(int choices) {
        assertEquals("Strategy.leastRequest(" + choices + ")",
                Strategy.leastRequest(choices).toString());
    }

    @Test
    void peakEwma_rejectsDecayTimeOutside1msTo1h() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofNanos(999_999),
                Duration.ofMillis(-5), Duration.ofHours(1).plusNanos(1), Duration.ofDays(1)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Strategy.peakEwma(bad));
            assertEquals("decayTime must be in PT0.001S..PT1H, was " + bad, e.getMessage());
        }
    }

    @Test
    void peakEwma_acceptsTheBoundsOfItsDecayTime() {
        assertEquals(Duration.ofMillis(1), Strategy.peakEwma(Duration.ofMillis(1)).latencyDecay());
        assertEquals(Duration.ofHours(1), Strategy.peakEwma(Duration.ofHours(1)).latencyDecay());
    }

    @Test
    void peakEwma_rejectsNullDecayTime() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Strategy.peakEwma(null));
        assertEquals("decayTime", e.getMessage());
    }

    @Test
    void defaults_trackLatencyOnlyForPeakEwma() {
        assertEquals(Duration.ofSeconds(10), Strategy.peakEwma().latencyDecay());
        for (Strategy s : new Strategy[] {Strategy.roundRobin(), Strategy.weightedRoundRobin(),
                Strategy.random(), Strategy.weightedRandom(), Strategy.leastRequest()}) {
            assertEquals(Duration.ZERO, s.latencyDecay(), s.toString());
        }
    }

    @Test
    void factories_returnSharedInstancesForTheDefaults() {
        assertSame(Strategy.leastRequest(), Strategy.leastRequest());
        assertSame(Strategy.peakEwma(), Strategy.peakEwma());
        assertEquals("Strategy.leastRequest(2)", Strategy.leastRequest().toString());
        assertEquals("Strategy.peakEwma(PT10S)", Strategy.peakEwma().toString());
    }

    @Test
    void everyStrategy_alwaysPicksTheOnlyCandidate() {
        for (Strategy s : new Strategy[] {Strategy.roundRobin(), Strategy.weightedRoundRobin(),
                Strategy.random(), Strategy.weightedRandom(), Strategy.leastRequest(),
                Strategy.leastRequest(5), Strategy.peakEwma()}) {
            Picker p = s.newPicker(ScriptedCandidates.weighted(3).withInFlight(0, 7));
            for (int k = 0; k < 100; k++) {
                assertEquals(0, p.pick(), s.toString());
                assertEquals(0, p.pick(k), s.toString());
            }
        }
    }

    @Test
    void leastRequest_breaksTiesBetweenTwoIdleEndpointsBothWays() {
        Picker p = new LeastRequest(2, RandomSource.seeded(7)).newPicker(ScriptedCandidates.uniform(2));
        long[] counts = ScriptedCandidates.countPicks(p, 2, 10_000);
        assertTrue(counts[0] > 4_000 && counts[1] > 4_000, counts[0] + " / " + counts[1]);
    }

    @Test
    void peakEwma_triesAnIdleEndpointWithoutLatencyBeforeAProvenOne() {
        ScriptedCandidates c = ScriptedCandidates.uniform(2).withLatency(1, 1_000);
        Picker p = new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(1)).newPicker(c);
        assertEquals(1_000, ScriptedCandidates.countPicks(p, 2, 1_000)[0]);
    }

    @Test
    void peakEwma_avoidsAnEndpointWithoutLatencyWhileItsFirstCallIsInFlight() {
        ScriptedCandidates c = ScriptedCandidates.uniform(2).withInFlight(0, 1)
                .withLatency(1, 60e9).withInFlight(1, 100); // a minute per call, 100 in flight
        Picker p = new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(1)).newPicker(c);
        assertEquals(1_000, ScriptedCandidates.countPicks(p, 2, 1_000)[1]);
    }

    @Test
    void peakEwma_prefersTheLessBusyOfTwoEndpointsWithoutLatency() {
        // Neither has completed a call; endpoint 0 has 5 calls in flight, endpoint 1 has one.
        ScriptedCandidates c = ScriptedCandidates.uniform(2).withInFlight(0, 5).withInFlight(1, 1);
        Picker p = new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(1)).newPicker(c);
        assertEquals(1_000, ScriptedCandidates.countPicks(p, 2, 1_000)[1]);
    }
}
