package io.lbkit;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A route split across tiers (priority levels, and zones within them): each call first draws a
 * tier by its traffic share, then the tier's own flat table picks. Immutable and thread-safe.
 */
/*
 * Implementation notes.
 *
 * Shares are stored as cumulative thresholds over [0, 2^31): the tier is the first whose
 * threshold exceeds a 31-bit draw. There are only a few tiers (priorities × at most three zone
 * tiers), so a linear scan beats a binary search. Keyed picks draw from the key's hash instead
 * of ThreadLocalRandom, so a key stays in its tier while the shares stay the same.
 */
final class TieredRoute extends Route {

    private final RoutingTable[] tiers;
    private final int[] thresholds;

    /**
     * @param tiers non-empty flat tables
     * @param shares each tier's share of traffic, positive, summing to 1
     */
    TieredRoute(RoutingTable[] tiers, double[] shares) {
        this.tiers = tiers;
        this.thresholds = new int[tiers.length];
        double cumulative = 0;
        for (int i = 0; i < tiers.length; i++) {
            cumulative += shares[i];
            thresholds[i] = (int) Math.min(Integer.MAX_VALUE, Math.round(cumulative * (1L << 31)));
        }
        thresholds[tiers.length - 1] = Integer.MAX_VALUE;
    }

    private RoutingTable tier(int draw31) {
        int i = 0;
        while (draw31 >= thresholds[i] && i < thresholds.length - 1) {
            i++;
        }
        return tiers[i];
    }

    @Override
    EndpointState pick() {
        return tier(ThreadLocalRandom.current().nextInt() >>> 1).pick();
    }

    @Override
    EndpointState pick(long hash) {
        // The tier takes the hash's low 31 bits (bits 1..31); the tier's picker gets the whole
        // hash. Hash strategies place keys by the high bits (ring position, Maglev slot), so
        // drawing the tier from them would leave each tier's ring or table partly unused.
        return tier((int) hash >>> 1).pick(hash);
    }

    @Override
    EndpointState tryPick() {
        return tier(ThreadLocalRandom.current().nextInt() >>> 1).tryPick();
    }

    @Override
    EndpointState tryPick(long hash) {
        return tier((int) hash >>> 1).tryPick(hash);
    }
}
