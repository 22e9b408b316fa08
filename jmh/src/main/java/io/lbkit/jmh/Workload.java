package io.lbkit.jmh;

import io.lbkit.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The one workload every benchmark in this module runs, lbkit and peers alike: {@code n}
 * endpoints with seeded weights, and pre-generated per-call inputs (request keys, latencies,
 * in-flight loads) read through {@link #MASK} so that no benchmark measures a random-number
 * generator. Immutable; thread-safe.
 */
public final class Workload {

    /** The seed of every generated value; one seed so that every run sees the same workload. */
    public static final long SEED = 0x1b_4b17L;

    /** The number of pre-generated per-call inputs: 4,096 (a power of two, fits in L1 for ints). */
    public static final int INPUTS = 1 << 12;

    /** Indexes the pre-generated inputs: {@code inputs[i & MASK]}. */
    public static final int MASK = INPUTS - 1;

    /** The largest endpoint weight generated: weights are uniform in 1..10. */
    public static final int MAX_WEIGHT = 10;

    private final int[] weights;
    private final long[] keys;
    private final long[] latencies;
    private final int[] loads;

    /** The workload for {@code n} endpoints. */
    public Workload(int n) {
        SplittableRandom random = new SplittableRandom(SEED);
        weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = 1 + random.nextInt(MAX_WEIGHT);
        }
        keys = new long[INPUTS];
        latencies = new long[INPUTS];
        loads = new int[n];
        for (int i = 0; i < INPUTS; i++) {
            keys[i] = random.nextLong();
            // 1..10 ms, the order of magnitude of a call within one region.
            latencies[i] = 1_000_000L + random.nextLong(9_000_000L);
        }
        for (int i = 0; i < n; i++) {
            loads[i] = random.nextInt(4);
        }
    }

    /** The number of endpoints. */
    public int size() {
        return weights.length;
    }

    /** The weight of endpoint {@code i}, in 1..{@value #MAX_WEIGHT}. */
    public int weight(int i) {
        return weights[i];
    }

    /** Pre-generated request keys (for hashing strategies); {@link #INPUTS} of them. */
    public long[] keys() {
        return keys.clone();
    }

    /** Pre-generated call latencies in nanoseconds, 1..10 ms; {@link #INPUTS} of them. */
    public long[] latencies() {
        return latencies.clone();
    }

    /** A fixed calls-in-flight figure per endpoint, 0..3, for pickers measured alone. */
    public int[] loads() {
        return loads.clone();
    }

    /** The IPv4 literal of endpoint {@code i}: {@code 10.x.y.z}. */
    public static String host(int i) {
        return "10." + ((i >> 16) & 0xff) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
    }

    /** The port every endpoint listens on. */
    public static final int PORT = 8080;

    /** The endpoints as lbkit {@link Endpoint}s, with their weights. */
    public List<Endpoint> lbkitEndpoints() {
        List<Endpoint> out = new ArrayList<>(weights.length);
        for (int i = 0; i < weights.length; i++) {
            out.add(Endpoint.of(host(i), PORT, weights[i]));
        }
        return out;
    }
}
