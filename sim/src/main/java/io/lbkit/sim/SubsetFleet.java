package io.lbkit.sim;

import io.lbkit.Endpoint;
import io.lbkit.Subsetting;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A fleet of clients choosing subsets of a pool of servers with lbkit's {@link Subsetting}, for
 * the connection and churn tables: who connects to whom, and how much that changes when servers
 * are replaced or clients restart. Pure computation, no event loop; deterministic for a seed.
 * Not thread-safe.
 */
final class SubsetFleet {

    /** How clients choose their subsets. */
    enum Mode {
        /** No subsetting: every client connects to every server. */
        NONE("none (full mesh)"),
        /**
         * gRFC A68 {@code random_subsetting}: rendezvous on a key each client draws when it
         * starts (here from the run's seeded generator, so the run is reproducible; lbkit's
         * {@link Subsetting#random} draws it from {@code ThreadLocalRandom}).
         */
        RANDOM("random (A68)"),
        /** Rendezvous on a stable client name that survives restarts. */
        RENDEZVOUS("rendezvous (stable key)"),
        /** {@link Subsetting#deterministic}: numbered clients. */
        DETERMINISTIC("deterministic");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    final Mode mode;
    final int size;
    final int clientCount;
    private final SplittableRandom random;
    private final Subsetting[] clients;

    SubsetFleet(Mode mode, int clientCount, int size, long seed) {
        this.mode = mode;
        this.size = size;
        this.clientCount = clientCount;
        this.random = new SplittableRandom(seed);
        this.clients = new Subsetting[clientCount];
        for (int c = 0; c < clientCount; c++) {
            clients[c] = start(c);
        }
    }

    /** Client {@code c} (re)starts: random mode draws a new key, the others keep theirs. */
    private Subsetting start(int c) {
        switch (mode) {
            case NONE:
                return null;
            case RANDOM:
                return Subsetting.rendezvous(Long.toHexString(random.nextLong()), size);
            case RENDEZVOUS:
                return Subsetting.rendezvous("client-" + c, size);
            default:
                return Subsetting.deterministic(c, clientCount, size);
        }
    }

    /** Client {@code c}'s subsetting; null for {@link Mode#NONE}. */
    Subsetting subsetting(int c) {
        return clients[c];
    }

    /** Every client's subset of {@code pool}, as server ids (the endpoints' ports less base). */
    int[][] subsets(List<Endpoint> pool, int basePort) {
        int[][] out = new int[clientCount][];
        for (int c = 0; c < clientCount; c++) {
            List<Endpoint> subset = clients[c] == null ? pool : clients[c].select(pool);
            int[] ids = new int[subset.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = subset.get(i).port() - basePort;
            }
            java.util.Arrays.sort(ids);
            out[c] = ids;
        }
        return out;
    }

    /** Restarts {@code fraction} of the clients, chosen at random (seeded). */
    void restart(double fraction) {
        int n = (int) Math.round(fraction * clientCount);
        for (int c : pick(clientCount, n, random)) {
            clients[c] = start(c);
        }
    }

    /** {@code n} distinct values of {@code 0..bound-1}. */
    static int[] pick(int bound, int n, SplittableRandom random) {
        int[] all = new int[bound];
        for (int i = 0; i < bound; i++) {
            all[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(bound - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, n);
    }

    /** Connections per server, by server id, for ids {@code 0..servers-1}. */
    static int[] connections(int[][] subsets, int servers) {
        int[] count = new int[servers];
        for (int[] s : subsets) {
            for (int id : s) {
                count[id]++;
            }
        }
        return count;
    }

    /** Clients whose subset differs. */
    static int changed(int[][] before, int[][] after) {
        int n = 0;
        for (int c = 0; c < before.length; c++) {
            if (!java.util.Arrays.equals(before[c], after[c])) {
                n++;
            }
        }
        return n;
    }

    /** Connections opened: servers in a client's new subset that were not in its old one. */
    static long moved(int[][] before, int[][] after) {
        long n = 0;
        for (int c = 0; c < before.length; c++) {
            Set<Integer> old = new HashSet<>();
            for (int id : before[c]) {
                old.add(id);
            }
            for (int id : after[c]) {
                if (!old.contains(id)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The servers of a pool of ids {@code 0..n-1}: addresses as the simulator gives them. */
    static List<Endpoint> pool(int n, int basePort) {
        List<Endpoint> pool = new ArrayList<>(n);
        for (int id = 0; id < n; id++) {
            pool.add(endpoint(id, basePort));
        }
        return pool;
    }

    static Endpoint endpoint(int id, int basePort) {
        return Endpoint.of("10." + (id / 62_500) + "." + (id / 250 % 250) + "." + (id % 250 + 1),
                basePort + id);
    }

    /** Min, mean and max of the live servers' counts. */
    record Spread(int min, double mean, int max) {
        static Spread of(int[] counts, boolean[] live) {
            int min = Integer.MAX_VALUE;
            int max = 0;
            long sum = 0;
            int n = 0;
            for (int i = 0; i < counts.length; i++) {
                if (live != null && !live[i]) {
                    continue;
                }
                min = Math.min(min, counts[i]);
                max = Math.max(max, counts[i]);
                sum += counts[i];
                n++;
            }
            return new Spread(min, (double) sum / n, max);
        }

        String format() {
            return String.format(Locale.ROOT, "%d / %.1f / %d | %.3f | %.3f", min, mean, max,
                    max / mean, min / mean);
        }
    }
}
