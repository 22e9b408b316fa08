package io.lbkit.strategy;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-driven {@link Candidates} for strategy unit tests: fixed endpoints and weights, and
 * in-flight counts, latencies and a clock that the test sets directly. Not thread-safe.
 */
final class ScriptedCandidates implements Candidates {

    private final Endpoint[] endpoints;
    private final int[] weights;
    private final int[] inFlight;
    private final double[] latencyNanos;
    private final AtomicLong clock = new AtomicLong();

    private ScriptedCandidates(int[] weights) {
        int n = weights.length;
        this.weights = weights.clone();
        this.endpoints = new Endpoint[n];
        for (int i = 0; i < n; i++) {
            endpoints[i] = Endpoint.of("10.0." + (i >> 8) + "." + (i & 0xFF), 8080, weights[i]);
        }
        this.inFlight = new int[n];
        this.latencyNanos = new double[n];
    }

    /** {@code n} candidates of weight 1. */
    static ScriptedCandidates uniform(int n) {
        int[] w = new int[n];
        java.util.Arrays.fill(w, 1);
        return new ScriptedCandidates(w);
    }

    static ScriptedCandidates weighted(int... weights) {
        return new ScriptedCandidates(weights);
    }

    ScriptedCandidates withInFlight(int index, int count) {
        inFlight[index] = count;
        return this;
    }

    ScriptedCandidates withLatency(int index, double nanos) {
        latencyNanos[index] = nanos;
        return this;
    }

    @Override
    public int size() {
        return endpoints.length;
    }

    @Override
    public Endpoint endpoint(int index) {
        return endpoints[index];
    }

    @Override
    public int weight(int index) {
        return weights[index];
    }

    @Override
    public int inFlight(int index) {
        return inFlight[index];
    }

    @Override
    public double latencyNanos(int index, long now) {
        return latencyNanos[index];
    }

    @Override
    public Ticker ticker() {
        return clock::get;
    }

    /** Calls {@code picker} {@code picks} times and counts the picks per index. */
    static long[] countPicks(Picker picker, int n, int picks) {
        long[] counts = new long[n];
        for (int k = 0; k < picks; k++) {
            counts[picker.pick()]++;
        }
        return counts;
    }
}
