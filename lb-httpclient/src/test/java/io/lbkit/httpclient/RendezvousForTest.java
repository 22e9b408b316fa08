package io.lbkit.httpclient;

import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import io.lbkit.strategy.Strategy;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal rendezvous-hash strategy for the sticky tests, until the core ships its hash
 * strategies: each key goes to the endpoint with the highest mix(key, address).
 */
final class RendezvousForTest implements Strategy {

    @Override
    public Picker newPicker(Candidates c) {
        int n = c.size();
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = StickyHash.hash64(c.endpoint(i).address());
        }
        return new Picker() {
            @Override
            public int pick() {
                return ThreadLocalRandom.current().nextInt(n);
            }

            @Override
            public int pick(long hash) {
                int best = 0;
                long bestScore = Long.MIN_VALUE;
                for (int i = 0; i < n; i++) {
                    long score = mix(hash ^ ids[i]);
                    if (score > bestScore) {
                        best = i;
                        bestScore = score;
                    }
                }
                return best;
            }
        };
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
