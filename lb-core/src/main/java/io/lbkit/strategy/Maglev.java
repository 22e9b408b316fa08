package io.lbkit.strategy;

import io.lbkit.internal.XxHash64;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** {@link Strategy#maglev()}: the Maglev lookup table (Eisenbud et al., NSDI 2016). */
/*
 * Implementation notes.
 *
 * Each endpoint has a permutation of the M table slots, fixed by its address alone:
 * slot_j = (offset + j × skip) mod M with offset = XXH64(address, seed A) mod M and
 * skip = XXH64(address, seed B) mod (M - 1) + 1; M is prime, so every skip walks all M slots.
 * Endpoints take turns claiming their next unclaimed slot until the table is full. Weights follow
 * Envoy's scheme: in turn t an endpoint claims a slot only while it holds fewer than
 * t × weight / maxWeight slots, so slot counts are proportional to weight (±1).
 *
 * Turns go in address order, not list order, so the table is a function of the set of
 * (address, weight) pairs: when an endpoint leaves and comes back the table is rebuilt identical
 * and every key returns to it. While it is away, its slots are claimed by the others along their
 * permutations; a small share of other slots changes hands too (the price of perfect balance;
 * the paper measures it and HashRingProperties bounds it).
 *
 * Lookup: the key hash's top 32 bits are mapped to [0, M) by multiply-shift, one array read.
 * Build: O(M) slot claims plus skipped turns for light endpoints, O(M × n × maxWeight /
 * totalWeight) in the worst case.
 */
record Maglev(int tableSize, RandomSource random) implements Strategy {

    /** Default table size: 65,537, the prime Maglev's paper and Envoy use by default. */
    static final int DEFAULT_TABLE_SIZE = 65_537;
    /** Largest table size: 5,000,011, Envoy's bound (a prime; 20 MB of table). */
    static final int MAX_TABLE_SIZE = 5_000_011;

    static final Maglev DEFAULT = new Maglev(DEFAULT_TABLE_SIZE, RandomSource.threadLocal());

    private static final long OFFSET_SEED = 0x4D41_474C_4556_4F46L;
    private static final long SKIP_SEED = 0x4D41_474C_4556_534BL;

    Maglev {
        if (tableSize < 3 || tableSize > MAX_TABLE_SIZE || !isPrime(tableSize)) {
            throw new IllegalArgumentException(
                    "tableSize must be a prime in 3.." + MAX_TABLE_SIZE + ", was " + tableSize);
        }
    }

    static boolean isPrime(int m) {
        if (m < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= m; d++) {
            if (m % d == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Picker newPicker(Candidates candidates) {
        int[] table = table(candidates, tableSize);
        int m = table.length;
        return new HashPicker(random) {
            @Override
            public int pick(long hash) {
                return table[RandomSource.index((int) (hash >>> 32), m)];
            }
        };
    }

    /** The lookup table: slot to candidate index. */
    static int[] table(Candidates c, int m) {
        int n = c.size();
        int[] order = HashRing.byAddress(c);
        long[] next = new long[n];
        long[] skip = new long[n];
        long[] weight = new long[n];
        long maxWeight = 0;
        for (int r = 0; r < n; r++) {
            byte[] address = c.endpoint(order[r]).address().getBytes(StandardCharsets.UTF_8);
            next[r] = Long.remainderUnsigned(XxHash64.hash(address, OFFSET_SEED), m);
            skip[r] = Long.remainderUnsigned(XxHash64.hash(address, SKIP_SEED), m - 1) + 1;
            weight[r] = c.weight(order[r]);
            maxWeight = Math.max(maxWeight, weight[r]);
        }
        int[] table = new int[m];
        Arrays.fill(table, -1);
        long[] claimed = new long[n];
        int filled = 0;
        for (long turn = 1; filled < m; turn++) {
            for (int r = 0; r < n && filled < m; r++) {
                if (claimed[r] * maxWeight >= turn * weight[r]) {
                    continue; // ahead of its weighted share for this turn
                }
                int slot;
                do {
                    slot = (int) next[r];
                    next[r] += skip[r];
                    if (next[r] >= m) {
                        next[r] -= m;
                    }
                } while (table[slot] >= 0);
                table[slot] = order[r];
                claimed[r]++;
                filled++;
            }
        }
        return table;
    }

    @Override
    public String toString() {
        return "Strategy.maglev(" + tableSize + ")";
    }
}
