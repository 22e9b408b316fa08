package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The guarantees of {@link Subsetting}: exact subset sizes, determinism, even coverage for
 * deterministic mode, and bounded churn when a server joins or leaves (least possible churn for
 * rendezvous mode). The bounds are the ones docs/subsetting.md states.
 */
class SubsetProperties {

    /**
     * Connections a single join or leave may move in deterministic mode, as a multiple of the
     * ceiling of k (the per-server connection count): at least ceil(k) must move (the joining
     * server's, or the leaving one's). The worst seen over 4,000 random pools of up to 61 servers
     * and 80 clients was 6; 1,000 x 1,000 moves 2.9 to 4.8 x k (docs/subsetting.md).
     */
    static final int CHURN_FACTOR = 8;

    static List<Endpoint> pool(int n, int offset) {
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = offset + i;
            pool.add(Endpoint.of("10." + (id / 250) + "." + (id % 250) + ".1", 8080));
        }
        return pool;
    }

    static List<Set<String>> subsets(List<Endpoint> pool, int clients, int size, long seed) {
        List<Set<String>> all = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Subsetting s = Subsetting.builder(size).deterministic(c, clients).seed(seed).build();
            all.add(addresses(s.select(pool)));
        }
        return all;
    }

    static Set<String> addresses(List<Endpoint> endpoints) {
        Set<String> s = new HashSet<>();
        for (Endpoint e : endpoints) {
            s.add(e.address());
        }
        return s;
    }

    /** Connections that move: endpoints in a client's new subset that were not in its old one. */
    static int moved(List<Set<String>> before, List<Set<String>> after) {
        int moved = 0;
        for (int c = 0; c < before.size(); c++) {
            for (String a : after.get(c)) {
                if (!before.get(c).contains(a)) {
                    moved++;
                }
            }
        }
        return moved;
    }

    @Property(tries = 200)
    void deterministic_sizeIsExact_andEveryServerIsInFloorToCeilOfKSubsets(
            @ForAll @IntRange(min = 1, max = 60) int servers,
            @ForAll @IntRange(min = 1, max = 80) int clients,
            @ForAll @IntRange(min = 1, max = 70) int size, @ForAll long seed) {
        List<Endpoint> pool = pool(servers, 0);
        List<Set<String>> all = subsets(pool, clients, size, seed);
        int s = Math.min(size, servers);
        Map<String, Integer> coverage = new HashMap<>();
        for (Set<String> subset : all) {
            assertEquals(s, subset.size(), "subset size");
            for (String a : subset) {
                coverage.merge(a, 1, Integer::sum);
            }
        }
        double k = (double) clients * s / servers;
        for (Endpoint e : pool) {
            int n = coverage.getOrDefault(e.address(), 0);
            assertTrue(n >= Math.floor(k) && n <= Math.ceil(k), e + " is in " + n
                    + " subsets; k = " + k);
        }
    }

    @Property(tries = 100)
    void select_dependsOnAddressesOnly_notOrderOrWeights(
            @ForAll @IntRange(min = 1, max = 50) int servers,
            @ForAll @IntRange(min = 1, max = 40) int clients,
            @ForAll @IntRange(min = 1, max = 20) int size, @ForAll long shuffleSeed) {
        List<Endpoint> pool = pool(servers, 0);
        List<Endpoint> shuffled = new ArrayList<>();
        for (Endpoint e : pool) {
            shuffled.add(Endpoint.of(e.host(), e.port(), 1 + Math.floorMod(e.hashCode(), 9)));
        }
        Collections.shuffle(shuffled, new Random(shuffleSeed));
        for (int c = 0; c < clients; c++) {
            Subsetting a = Subsetting.deterministic(c, clients, size);
            Subsetting b = Subsetting.deterministic(c, clients, size);
            assertEquals(addresses(a.select(pool)), addresses(b.select(shuffled)));
            assertEquals(a.select(pool), a.select(pool), "repeatable");
        }
        Subsetting r = Subsetting.rendezvous("client-" + clients, size);
        assertEquals(addresses(r.select(pool)),
                addresses(Subsetting.rendezvous("client-" + clients, size).select(shuffled)));
    }

    @Property(tries = 200)
    void deterministic_joinMovesAtMostChurnFactorTimesCeilK(
            @ForAll @IntRange(min = 1, max = 60) int servers,
            @ForAll @IntRange(min = 1, max = 80) int clients,
            @ForAll @IntRange(min = 1, max = 60) int size, @ForAll long seed) {
        List<Endpoint> pool = pool(servers, 0);
        List<Endpoint> joined = new ArrayList<>(pool);
        joined.add(Endpoint.of("10.99.0.1", 8080));
        int s = Math.min(size, servers); // the subset size both before and after
        List<Set<String>> before = subsets(pool, clients, s, seed);
        List<Set<String>> after = subsets(joined, clients, s, seed);
        double k = (double) clients * s / joined.size();
        int moved = moved(before, after);
        assertTrue(moved <= CHURN_FACTOR * Math.ceil(k), "a join moved " + moved
                + " connections; k = " + k);
    }

    @Property(tries = 200)
    void deterministic_leaveMovesAtMostChurnFactorTimesCeilK(
            @ForAll @IntRange(min = 2, max = 60) int servers,
            @ForAll @IntRange(min = 1, max = 80) int clients,
            @ForAll @IntRange(min = 1, max = 60) int size,
            @ForAll @IntRange(min = 0, max = 59) int leaving, @ForAll long seed) {
        List<Endpoint> pool = pool(servers, 0);
        List<Endpoint> left = new ArrayList<>(pool);
        left.remove(leaving % servers);
        int s = Math.min(size, left.size());
        List<Set<String>> before = subsets(pool, clients, s, seed);
        List<Set<String>> after = subsets(left, clients, s, seed);
        double k = (double) clients * s / servers;
        int moved = moved(before, after);
        assertTrue(moved <= CHURN_FACTOR * Math.ceil(k), "a leave moved " + moved
                + " connections; k = " + k);
    }

    @Property(tries = 200)
    void rendezvous_sizeIsExact_andJoinOrLeaveChangesOnlyTheClientsItMust(
            @ForAll @IntRange(min = 1, max = 80) int servers,
            @ForAll @IntRange(min = 1, max = 30) int size,
            @ForAll @IntRange(min = 0, max = 79) int leaving) {
        List<Endpoint> pool = pool(servers, 0);
        Endpoint newcomer = Endpoint.of("10.99.0.1", 8080);
        List<Endpoint> joined = new ArrayList<>(pool);
        joined.add(newcomer);
        Endpoint gone = pool.get(leaving % servers);
        List<Endpoint> left = new ArrayList<>(pool);
        left.remove(gone);
        for (int c = 0; c < 40; c++) {
            Subsetting r = Subsetting.rendezvous("client-" + c, size);
            Set<String> before = addresses(r.select(pool));
            assertEquals(Math.min(size, servers), before.size());
            Set<String> afterJoin = addresses(r.select(joined));
            if (afterJoin.contains(newcomer.address())) {
                Set<String> lost = new HashSet<>(before);
                lost.removeAll(afterJoin);
                assertTrue(lost.size() <= 1, "a join changes a subset by one endpoint at most");
            } else {
                assertEquals(before, afterJoin, "a join leaves a subset without it alone");
            }
            Set<String> afterLeave = addresses(r.select(left));
            if (before.contains(gone.address())) {
                Set<String> kept = new HashSet<>(before);
                kept.remove(gone.address());
                assertTrue(afterLeave.containsAll(kept), "a leave keeps the other members");
            } else {
                assertEquals(before, afterLeave, "a leave leaves a subset without it alone");
            }
        }
    }

    @Property(tries = 150)
    void localZone_isTakenFirst_andTheRestToppedUpFromOtherZones(
            @ForAll @IntRange(min = 0, max = 30) int local,
            @ForAll @IntRange(min = 0, max = 30) int remote,
            @ForAll @IntRange(min = 1, max = 20) int size,
            @ForAll boolean deterministic) {
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < local + remote; i++) {
            pool.add(Endpoint.builder("10.1." + i / 200 + "." + (i % 200 + 1), 80)
                    .zone(i < local ? "a" : "b").build());
        }
        Subsetting.Builder b = Subsetting.builder(size).localZone("a");
        Subsetting s = (deterministic ? b.deterministic(3, 7) : b.rendezvous("me")).build();
        List<Endpoint> subset = s.select(pool);
        long inZone = subset.stream().filter(e -> e.zone().orElse("").equals("a")).count();
        assertEquals(Math.min(size, local), inZone, "from the local zone");
        assertEquals(Math.min(size, local + remote), subset.size(), "topped up to size");
    }

    @Property(tries = 100)
    void deterministic_withALocalZone_coverageIsEvenWithinTheZonesClients(
            @ForAll @IntRange(min = 1, max = 30) int local,
            @ForAll @IntRange(min = 1, max = 30) int remote,
            @ForAll @IntRange(min = 1, max = 40) int clients,
            @ForAll @IntRange(min = 1, max = 20) int size) {
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < local + remote; i++) {
            pool.add(Endpoint.builder("10.3." + i / 200 + "." + (i % 200 + 1), 80)
                    .zone(i < local ? "a" : "b").build());
        }
        Map<String, Integer> coverage = new HashMap<>();
        for (int c = 0; c < clients; c++) {
            Subsetting s = Subsetting.builder(size).deterministic(c, clients).localZone("a")
                    .build();
            for (Endpoint e : s.select(pool)) {
                coverage.merge(e.address(), 1, Integer::sum);
            }
        }
        int fromLocal = Math.min(size, local);
        int fromRemote = Math.min(size - fromLocal, remote);
        double kLocal = (double) clients * fromLocal / local;
        double kRemote = (double) clients * fromRemote / remote;
        for (int i = 0; i < pool.size(); i++) {
            int n = coverage.getOrDefault(pool.get(i).address(), 0);
            double k = i < local ? kLocal : kRemote;
            assertTrue(n >= Math.floor(k) && n <= Math.ceil(k), pool.get(i) + " of zone "
                    + pool.get(i).zone().orElseThrow() + " is in " + n + " subsets; k = " + k);
        }
    }

    @Property(tries = 100)
    void eachPriorityLevel_isSubsetOnItsOwn(@ForAll @IntRange(min = 0, max = 30) int primary,
            @ForAll @IntRange(min = 0, max = 30) int fallback,
            @ForAll @IntRange(min = 1, max = 10) int size) {
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < primary + fallback; i++) {
            pool.add(Endpoint.builder("10.2." + i / 200 + "." + (i % 200 + 1), 80)
                    .priority(i < primary ? 0 : 1).build());
        }
        List<Endpoint> subset = Subsetting.deterministic(1, 5, size).select(pool);
        assertEquals(Math.min(size, primary), subset.stream().filter(e -> e.priority() == 0)
                .count());
        assertEquals(Math.min(size, fallback), subset.stream().filter(e -> e.priority() == 1)
                .count());
        List<Endpoint> inPoolOrder = new ArrayList<>(pool);
        inPoolOrder.retainAll(subset);
        assertEquals(inPoolOrder, subset, "in the source's order");
    }
}
