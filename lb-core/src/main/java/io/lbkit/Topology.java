package io.lbkit;

/**
 * Where traffic goes across priority levels and zones. Immutable and thread-safe.
 *
 * <p>Each tier (a priority level; within a level, the local zone, the rest of the local region,
 * everything else) has a <em>health</em>: its healthy share multiplied by the overprovisioning
 * factor, capped at 1. Traffic fills the tiers in order: the first tier takes its health, the
 * next takes its health of what is left, and so on; if the tiers together cannot absorb all
 * traffic, the shares are scaled up to sum to 1. This is Envoy's priority-load computation (with
 * its default factor 1.4, priority 0 keeps all traffic while at least 1/1.4 ≈ 71.4% of it is
 * healthy). lbkit applies the same rule to zones, where Envoy's zone-aware routing instead
 * compares the local zone's share of upstream hosts with the caller cluster's share in that zone;
 * lbkit knows nothing of the caller cluster, so it keeps calls local while the local zone can
 * absorb them.
 *
 * @param localZone null: zone awareness off
 * @param localRegion null: no region tier
 */
record Topology(String localZone, String localRegion, int overprovisioningPercent,
        int zoneMinClusterSize) {

    /** 140%: Envoy's default overprovisioning factor. */
    static final int DEFAULT_OVERPROVISIONING_PERCENT = 140;
    /** 6: Envoy's default {@code min_cluster_size} for zone-aware routing. */
    static final int DEFAULT_ZONE_MIN_CLUSTER_SIZE = 6;

    /** This topology with another local zone and region (each null: off). */
    Topology withLocality(String zone, String region) {
        return new Topology(zone, region, overprovisioningPercent, zoneMinClusterSize);
    }

    /**
     * Checks a zone or region name as the builder and {@link LoadBalancer#locality} do.
     *
     * @param field the option's name, for the message
     * @param name null allowed (off)
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static String checkName(String field, String name) {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        return name;
    }

    /**
     * The endpoint's zone tier: 0 local zone, 1 local region, 2 the rest; always 0 when zone
     * awareness is off or the priority level has fewer endpoints than the minimum cluster size.
     */
    int zoneTier(Endpoint e, int levelSize) {
        if (localZone == null || levelSize < zoneMinClusterSize) {
            return 0;
        }
        if (localZone.equals(e.zone().orElse(null))) {
            return 0;
        }
        if (localRegion != null && localRegion.equals(e.region().orElse(null))) {
            return 1;
        }
        return 2;
    }

    /** A tier's health: {@code min(1, factor × healthy / total)}; 0 for an empty tier. */
    double health(int healthy, int total) {
        if (total == 0) {
            return 0;
        }
        return Math.min(1.0, overprovisioningPercent / 100.0 * healthy / total);
    }

    /**
     * Each tier's share of traffic, given the tiers' health in order of preference: shares sum
     * to 1, or are all 0 when every health is 0.
     */
    static double[] spill(double[] health) {
        double[] load = new double[health.length];
        double remaining = 1.0;
        double sum = 0;
        for (int i = 0; i < health.length; i++) {
            load[i] = Math.min(remaining, health[i]);
            remaining -= load[i];
            sum += load[i];
        }
        if (sum > 0 && sum < 1.0) {
            for (int i = 0; i < load.length; i++) {
                load[i] /= sum;
            }
        }
        return load;
    }
}
