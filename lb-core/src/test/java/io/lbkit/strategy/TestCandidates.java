package io.lbkit.strategy;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

/** Candidates for strategy tests: fixed endpoints and settable in-flight counts. Thread-safe. */
final class TestCandidates implements Candidates {

    private final List<Endpoint> endpoints;
    private final AtomicIntegerArray inFlight;

    TestCandidates(List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
        this.inFlight = new AtomicIntegerArray(endpoints.size());
    }

    /** n endpoints of weight 1 at 10.a.b.c:8080, numbered from {@code first}. */
    static List<Endpoint> equalWeights(int first, int n) {
        List<Endpoint> out = new ArrayList<>(n);
        for (int k = first; k < first + n; k++) {
            out.add(Endpoint.of(address(k), 8080));
        }
        return out;
    }

    static String address(int k) {
        return "10." + (k >>> 16 & 0xFF) + "." + (k >>> 8 & 0xFF) + "." + (k & 0xFF);
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    void acquire(int i) {
        inFlight.incrementAndGet(i);
    }

    void release(int i) {
        inFlight.decrementAndGet(i);
    }

    @Override
    public int size() {
        return endpoints.size();
    }

    @Override
    public Endpoint endpoint(int index) {
        return endpoints.get(index);
    }

    @Override
    public int weight(int index) {
        return endpoints.get(index).weight();
    }

    @Override
    public int inFlight(int index) {
        return inFlight.get(index);
    }

    @Override
    public double latencyNanos(int index, long now) {
        return 0;
    }

    @Override
    public Ticker ticker() {
        return Ticker.system();
    }
}
