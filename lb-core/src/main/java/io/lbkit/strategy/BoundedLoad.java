package io.lbkit.strategy;

/**
 * {@link Strategy#boundedLoad()}: consistent hashing with bounded loads (Mirrokni, Thorup and
 * Zadimoghaddam, SODA 2018).
 */
/*
 * Implementation notes.
 *
 * The ring is RingHash's. A key starts at its point and walks clockwise to the first endpoint
 * whose calls in flight are below its capacity
 *
 *     capacity_i = ceil(c × (T + 1) × w_i / W)
 *
 * where T is the calls in flight on all candidates, T + 1 counts the call being placed, and W the
 * total weight: for equal weights, ceil(c × average). So after the pick no endpoint holds more
 * than its capacity. Capacities sum to at least c × (T + 1) > T, so with exact figures some
 * endpoint always has room; the walk is bounded by the ring size anyway and falls back to the
 * key's own endpoint when concurrent picks filled every endpoint under it.
 *
 * c is kept in hundredths (as HAProxy's hash-balance-factor) so capacities are exact integer
 * arithmetic: no floating-point rounding decides whether an endpoint is full.
 *
 * Cost: an idle first endpoint (no calls in flight; its capacity is at least 1) is taken at once.
 * Otherwise a pick sums the in-flight counts of all candidates (O(n); Candidates offers no total)
 * and then reads one count per distinct endpoint visited. Loads are live and read without a
 * lock: two concurrent picks may both see the last free unit of one endpoint, so under
 * contention an endpoint can exceed its capacity by at most the number of racing pickers.
 */
final class BoundedLoad implements Strategy {

    /** Default balance factor: 1.25, HAProxy's {@code hash-balance-factor 125} recommendation. */
    static final double DEFAULT_BALANCE_FACTOR = 1.25;
    /** Largest balance factor: 100 (beyond it no endpoint is ever skipped in practice). */
    static final double MAX_BALANCE_FACTOR = 100.0;

    static final BoundedLoad DEFAULT = new BoundedLoad(DEFAULT_BALANCE_FACTOR,
            RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE, RandomSource.threadLocal());

    private final long percent;
    private final int minRingSize;
    private final int maxRingSize;
    private final RandomSource random;

    BoundedLoad(double balanceFactor, int minRingSize, int maxRingSize, RandomSource random) {
        if (!(balanceFactor >= 1.0 && balanceFactor <= MAX_BALANCE_FACTOR)) {
            throw new IllegalArgumentException("balanceFactor must be in 1.0.."
                    + MAX_BALANCE_FACTOR + ", was " + balanceFactor);
        }
        RingHash.checkSizes(minRingSize, maxRingSize);
        this.percent = Math.round(balanceFactor * 100);
        this.minRingSize = minRingSize;
        this.maxRingSize = maxRingSize;
        this.random = random;
    }

    /** The balance factor in hundredths: 125 for 1.25. */
    long percent() {
        return percent;
    }

    /**
     * {@code ceil(percent/100 × (total + 1) × weight / totalWeight)}: exact while the product
     * fits in a long (always for endpoint weights; effective weights scaled for slow start can
     * exceed it with hundreds of millions in flight, and then the result is rounded in double).
     *
     * @param total 0..2^31 - 1
     */
    static long capacity(long percent, long total, long weight, long totalWeight) {
        long num = percent * (total + 1); // <= 10^4 × 2^31
        long den = 100 * totalWeight;
        if (Math.multiplyHigh(num, weight) == 0 && num * weight >= 0) {
            long product = num * weight;
            return product / den + (product % den == 0 ? 0 : 1);
        }
        return (long) Math.ceil((double) num * weight / den);
    }

    @Override
    public Picker newPicker(Candidates c) {
        HashRing ring = HashRing.build(c, minRingSize, maxRingSize);
        int n = c.size();
        long totalWeight = 0;
        for (int i = 0; i < n; i++) {
            totalWeight += c.weight(i);
        }
        long w = totalWeight;
        long pct = percent;
        int size = ring.size();
        return new HashPicker(random) {
            @Override
            public int pick(long hash) {
                int slot = ring.slot(hash);
                int first = ring.owner(slot);
                int load = c.inFlight(first);
                if (load == 0) {
                    return first;
                }
                long total = 0;
                for (int i = 0; i < n; i++) {
                    total += c.inFlight(i);
                }
                total = Math.min(total, Integer.MAX_VALUE); // keeps capacity() within a long
                if (load < capacity(pct, total, c.weight(first), w)) {
                    return first;
                }
                int previous = first;
                for (int step = 1; step < size; step++) {
                    slot = slot + 1 == size ? 0 : slot + 1;
                    int i = ring.owner(slot);
                    if (i == previous) {
                        continue;
                    }
                    previous = i;
                    if (c.inFlight(i) < capacity(pct, total, c.weight(i), w)) {
                        return i;
                    }
                }
                return first;
            }
        };
    }

    @Override
    public String toString() {
        return "Strategy.boundedLoad(" + (percent / 100.0) + ")";
    }
}
