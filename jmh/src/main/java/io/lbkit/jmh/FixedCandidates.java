package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import io.lbkit.strategy.Candidates;
import java.util.List;

/**
 * A {@link Workload}'s endpoints as a strategy's {@link Candidates}, for pickers measured without
 * a balancer ({@link LbkitPickerBenchmark}) and table builds ({@link HashBuildBenchmark}): the
 * workload's weights, and per endpoint a load and latency that never change. Thread-safe
 * (immutable).
 */
final class FixedCandidates implements Candidates {

    private final Endpoint[] endpoints;
    private final int[] weights;
    private final int[] loads;
    private final double[] latencies;

    private FixedCandidates(Workload w, boolean idle) {
        List<Endpoint> list = w.lbkitEndpoints();
        endpoints = list.toArray(new Endpoint[0]);
        weights = new int[w.size()];
        latencies = new double[w.size()];
        loads = idle ? new int[w.size()] : w.loads();
        long[] sample = w.latencies();
        for (int i = 0; i < weights.length; i++) {
            weights[i] = w.weight(i);
            latencies[i] = idle ? 0 : sample[i & Workload.MASK];
        }
    }

    /** {@code w}'s endpoints with its fixed loads (0..3 calls in flight) and sampled latencies. */
    static FixedCandidates loaded(Workload w) {
        return new FixedCandidates(w, false);
    }

    /** {@code w}'s endpoints with nothing in flight and no latency measured. */
    static FixedCandidates idle(Workload w) {
        return new FixedCandidates(w, true);
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
        return loads[index];
    }

    @Override
    public double latencyNanos(int index, long now) {
        return latencies[index];
    }

    @Override
    public Ticker ticker() {
        return Ticker.system();
    }
}
