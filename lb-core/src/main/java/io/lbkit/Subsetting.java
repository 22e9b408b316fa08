package io.lbkit;

import static io.lbkit.internal.Quote.quote;
import static java.util.Objects.requireNonNull;

import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a client chooses the few endpoints it connects to out of a large pool: the rule that
 * {@link EndpointGroup#subset(EndpointGroup, Subsetting)} applies to every snapshot. Immutable and
 * thread-safe.
 *
 * <p>Three modes:
 * <ul>
 *   <li>{@link #deterministic(int, int, int) deterministic(clientId, clientCount, size)}: for a
 *       fleet whose clients are numbered {@code 0..clientCount-1} (a StatefulSet ordinal, a task
 *       index). Every server is in {@code ⌊k⌋} or {@code ⌈k⌉} subsets, where
 *       {@code k = clientCount × size / servers}: connections are exactly even. A server joining
 *       or leaving moves a few times the least possible number of connections (at 1,000 ×
 *       1,000 with subsets of 10, replacing one server changes about 5 % of the subsets, where
 *       2 % is the least possible; docs/subsetting.md has the figures). A restart with the same
 *       id gets the same subset.
 *   <li>{@link #rendezvous(String, int) rendezvous(clientKey, size)}: needs no client count.
 *       Each client takes the {@code size} endpoints that score lowest under a hash of (client
 *       key, address): highest-random-weight hashing, as in gRFC A68 {@code random_subsetting}.
 *       A join changes only the clients that now rank the new server in their top {@code size},
 *       a leave only the clients that had it, each by one endpoint: the least churn possible.
 *       Connections per server are binomial, not exact (see the tables). A stable key (a host
 *       or pod name) survives restarts.
 *   <li>{@link #random(int) random(size)}: rendezvous with a key drawn once per instance, the
 *       exact behaviour of gRFC A68: a restarted client gets a new subset.
 * </ul>
 *
 * <p><b>Topology.</b> Each priority level is subset on its own, with the same size, so
 * failover levels stay available. With a {@linkplain Builder#localZone local zone}, the subset
 * of a level is taken from the level's endpoints in that zone; when the zone has fewer than
 * {@code size}, all of them are taken and the rest is taken, by the same rule, from the level's
 * other endpoints (for deterministic mode, {@code clientId} and {@code clientCount} then number
 * the clients of that zone only). Weights do not affect the choice: each endpoint counts once,
 * and keeps its weight in the subset.
 *
 * <p>All clients of one fleet must use the same mode, size and {@linkplain Builder#seed seed}
 * (and, for deterministic mode, client count); two services subsetting the same backends should
 * use different seeds so that their subsets differ.
 */
/*
 * Why one file of over 400 lines: an immutable setting, its public nested Builder and select(),
 * the one function that applies it (about 110 lines, reading every field of the setting); the
 * class javadoc, which documents the three modes and the topology rule for users, is 40 lines. The
 * deterministic assignment itself is StableSubsets; the group that applies it to snapshots is
 * SubsetEndpointGroup.
 */
public final class Subsetting {

    /** Largest subset size: 10,000. */
    public static final int MAX_SIZE = 10_000;
    /**
     * Largest client count: 100,000. Deterministic mode computes the subsets of all clients, at a
     * cost of about clientCount × servers hashes per membership change.
     */
    public static final int MAX_CLIENT_COUNT = 100_000;
    /**
     * Largest clientCount × size in deterministic mode: 10,000,000 (the assignment of every
     * client is held in memory while it is computed, 4 bytes a place).
     */
    public static final long MAX_PLACES = 10_000_000;
    /** Longest client key: 256 characters. */
    public static final int MAX_KEY_LENGTH = 256;

    /** How subsets are chosen. */
    public enum Mode {
        /** Numbered clients, exactly even connections: {@link #deterministic(int, int, int)}. */
        DETERMINISTIC,
        /** Highest-random-weight hashing on a client key: {@link #rendezvous(String, int)}. */
        RENDEZVOUS,
        /** Rendezvous on a key drawn per instance: {@link #random(int)}. */
        RANDOM
    }

    private final Mode mode;
    private final int size;
    private final int clientId;
    private final int clientCount;
    private final String clientKey; // null unless RENDEZVOUS
    private final long keyHash; // the rendezvous hash seed of this client
    private final String localZone; // null: zones ignored
    private final long seed;

    private Subsetting(Builder b) {
        this.mode = b.mode;
        this.size = b.size;
        this.clientId = b.clientId;
        this.clientCount = b.clientCount;
        this.clientKey = b.clientKey;
        this.localZone = b.localZone;
        this.seed = b.seed == null ? 0 : b.seed;
        this.keyHash = mode == Mode.RANDOM ? ThreadLocalRandom.current().nextLong()
                : mode == Mode.RENDEZVOUS ? XxHash64.hashChars(clientKey, seed) : 0;
    }

    /**
     * Deterministic subsetting for client {@code clientId} of {@code clientCount}.
     *
     * @param clientId 0..clientCount-1
     * @param clientCount 1..{@value #MAX_CLIENT_COUNT}
     * @param size 1..{@value #MAX_SIZE} endpoints per client
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static Subsetting deterministic(int clientId, int clientCount, int size) {
        return builder(size).deterministic(clientId, clientCount).build();
    }

    /**
     * Rendezvous subsetting keyed by a name that identifies this client and survives its
     * restarts (a host or pod name).
     *
     * @param clientKey 1..{@value #MAX_KEY_LENGTH} characters, not blank
     * @param size 1..{@value #MAX_SIZE}
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static Subsetting rendezvous(String clientKey, int size) {
        return builder(size).rendezvous(clientKey).build();
    }

    /**
     * Rendezvous subsetting on a random key drawn when this is created (gRFC A68).
     *
     * @param size 1..{@value #MAX_SIZE}
     * @throws IllegalArgumentException if size is out of range
     */
    public static Subsetting random(int size) {
        return builder(size).random().build();
    }

    /**
     * A builder for a subsetting with a local zone or a seed; choose the mode with one of
     * {@link Builder#deterministic}, {@link Builder#rendezvous}, {@link Builder#random}.
     *
     * @param size 1..{@value #MAX_SIZE} endpoints per client (per priority level)
     * @throws IllegalArgumentException if size is out of range
     */
    public static Builder builder(int size) {
        return new Builder(size);
    }

    public Mode mode() {
        return mode;
    }

    /** Endpoints per client and priority level; fewer when the level has fewer. */
    public int size() {
        return size;
    }

    /** The client id, in deterministic mode. */
    public OptionalInt clientId() {
        return mode == Mode.DETERMINISTIC ? OptionalInt.of(clientId) : OptionalInt.empty();
    }

    /** The client count, in deterministic mode. */
    public OptionalInt clientCount() {
        return mode == Mode.DETERMINISTIC ? OptionalInt.of(clientCount) : OptionalInt.empty();
    }

    /** The client key, in rendezvous mode. */
    public Optional<String> clientKey() {
        return Optional.ofNullable(clientKey);
    }

    /** The zone subsets are taken from first, if one was set. */
    public Optional<String> localZone() {
        return Optional.ofNullable(localZone);
    }

    /** The seed shared by the clients of one fleet; 0 by default. */
    public long seed() {
        return seed;
    }

    /**
     * This client's subset of {@code endpoints}: a pure function of the endpoints' addresses,
     * zones and priorities (not their order or weights) and of this subsetting. Use it to see which
     * endpoints a client would get.
     *
     * @param endpoints at most one endpoint per address
     * @return the chosen endpoints, in the order of {@code endpoints}; all of them when every
     *     level has at most {@link #size()}
     * @throws IllegalArgumentException if two endpoints share an address
     */
    public List<Endpoint> select(List<Endpoint> endpoints) {
        List<Endpoint> all = AbstractEndpointGroup.checkedCopy(endpoints);
        boolean[] chosen = new boolean[all.size()];
        int count = 0;
        boolean oneLevel = true;
        for (Endpoint e : all) {
            oneLevel &= e.priority() == all.get(0).priority();
        }
        if (oneLevel) {
            count = chooseLevel(all, allIndexes(all.size()), chosen);
        } else {
            TreeMap<Integer, List<Integer>> levels = new TreeMap<>();
            for (int i = 0; i < all.size(); i++) {
                levels.computeIfAbsent(all.get(i).priority(), p -> new ArrayList<>()).add(i);
            }
            for (List<Integer> level : levels.values()) {
                int[] indexes = level.stream().mapToInt(Integer::intValue).toArray();
                count += chooseLevel(all, indexes, chosen);
            }
        }
        if (count == all.size()) {
            return all;
        }
        List<Endpoint> out = new ArrayList<>(count);
        for (int i = 0; i < chosen.length; i++) {
            if (chosen[i]) {
                out.add(all.get(i));
            }
        }
        return List.copyOf(out);
    }

    private static int[] allIndexes(int n) {
        int[] indexes = new int[n];
        for (int i = 0; i < n; i++) {
            indexes[i] = i;
        }
        return indexes;
    }

    /** Chooses within one priority level (given by indexes into all); returns how many. */
    private int chooseLevel(List<Endpoint> all, int[] level, boolean[] chosen) {
        if (localZone == null) {
            return choose(all, level, size, chosen);
        }
        int locals = 0;
        for (int i : level) {
            locals += localZone.equals(all.get(i).zone().orElse(null)) ? 1 : 0;
        }
        int[] local = new int[locals];
        int[] other = new int[level.length - locals];
        int l = 0;
        int o = 0;
        for (int i : level) {
            if (localZone.equals(all.get(i).zone().orElse(null))) {
                local[l++] = i;
            } else {
                other[o++] = i;
            }
        }
        int fromLocal = choose(all, local, size, chosen);
        return fromLocal < size ? fromLocal + choose(all, other, size - fromLocal, chosen)
                : fromLocal;
    }

    /** Marks up to {@code n} of {@code part} (indexes into all) chosen; returns how many. */
    private int choose(List<Endpoint> all, int[] part, int n, boolean[] chosen) {
        if (part.length <= n) {
            for (int i : part) {
                chosen[i] = true;
            }
            return part.length;
        }
        if (mode == Mode.DETERMINISTIC) {
            // Canonical order: the result must not depend on the source's order.
            String[] addresses = new String[part.length];
            for (int i = 0; i < part.length; i++) {
                addresses[i] = all.get(part[i]).address();
            }
            Arrays.sort(addresses);
            int[] assigned = StableSubsets.assign(addresses, clientCount, n, seed);
            Set<String> mine = new HashSet<>(2 * n);
            for (int i = clientId * n; i < (clientId + 1) * n; i++) {
                mine.add(addresses[assigned[i]]);
            }
            for (int i : part) {
                if (mine.contains(all.get(i).address())) {
                    chosen[i] = true;
                }
            }
        } else {
            // The n lowest scores: 64 bits of hash with the low bits replaced by the index. Only
            // a tie in the high bits (odds about n^2 / 2^(64 - bits)) lets input order decide.
            long[] scored = new long[part.length];
            int bits = 32 - Integer.numberOfLeadingZeros(part.length - 1);
            long indexMask = (1L << bits) - 1;
            for (int i = 0; i < part.length; i++) {
                scored[i] = (XxHash64.hashChars(all.get(part[i]).address(), keyHash)
                        & ~indexMask) | i;
            }
            Arrays.sort(scored);
            for (int i = 0; i < n; i++) {
                chosen[part[(int) (scored[i] & indexMask)]] = true;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Subsetting[").append(mode).append(", size=")
                .append(size);
        if (mode == Mode.DETERMINISTIC) {
            b.append(", client ").append(clientId).append(" of ").append(clientCount);
        } else if (mode == Mode.RENDEZVOUS) {
            b.append(", key=").append(quote(clientKey));
        }
        if (localZone != null) {
            b.append(", localZone=").append(quote(localZone));
        }
        if (seed != 0) {
            b.append(", seed=").append(seed);
        }
        return b.append(']').toString();
    }

    /**
     * Builds a {@link Subsetting}. Not thread-safe. Each option may be set once; arguments are
     * checked when set.
     */
    public static final class Builder {
        private final int size;
        private Mode mode;
        private int clientId;
        private int clientCount;
        private String clientKey;
        private String localZone;
        private Long seed;

        private Builder(int size) {
            if (size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException(
                        "size must be 1.." + MAX_SIZE + ", was " + size);
            }
            this.size = size;
        }

        /**
         * Deterministic mode, as client {@code clientId} of {@code clientCount}.
         *
         * @param clientId 0..clientCount-1
         * @param clientCount 1..{@value #MAX_CLIENT_COUNT}
         * @throws IllegalArgumentException if an argument is out of range
         * @throws IllegalStateException if a mode was set
         */
        public Builder deterministic(int clientId, int clientCount) {
            onceMode();
            if (clientCount < 1 || clientCount > MAX_CLIENT_COUNT) {
                throw new IllegalArgumentException("clientCount must be 1.." + MAX_CLIENT_COUNT
                        + ", was " + clientCount);
            }
            if ((long) clientCount * size > MAX_PLACES) {
                throw new IllegalArgumentException("clientCount × size must be at most "
                        + MAX_PLACES + ", was " + clientCount + " × " + size + " = "
                        + (long) clientCount * size);
            }
            if (clientId < 0 || clientId >= clientCount) {
                throw new IllegalArgumentException("clientId must be 0..clientCount-1 (0.."
                        + (clientCount - 1) + "), was " + clientId);
            }
            this.mode = Mode.DETERMINISTIC;
            this.clientId = clientId;
            this.clientCount = clientCount;
            return this;
        }

        /**
         * Rendezvous mode on a stable client key.
         *
         * @param clientKey 1..{@value #MAX_KEY_LENGTH} characters, not blank
         * @throws IllegalArgumentException if the key is blank or too long
         * @throws IllegalStateException if a mode was set
         */
        public Builder rendezvous(String clientKey) {
            requireNonNull(clientKey, "clientKey");
            onceMode();
            if (clientKey.isBlank() || clientKey.length() > MAX_KEY_LENGTH) {
                int n = clientKey.length();
                String quoted = quote(clientKey);
                // a quote cut short (escapes count too) ends with the length itself
                String length = !quoted.endsWith("'") ? "" : n == 1 ? " (1 character)"
                        : " (" + n + " characters)";
                throw new IllegalArgumentException("clientKey must be 1.." + MAX_KEY_LENGTH
                        + " characters, not blank, was " + quoted + length);
            }
            this.mode = Mode.RENDEZVOUS;
            this.clientKey = clientKey;
            return this;
        }

        /**
         * Rendezvous mode on a key drawn when {@link #build()} runs.
         *
         * @throws IllegalStateException if a mode was set
         */
        public Builder random() {
            onceMode();
            this.mode = Mode.RANDOM;
            return this;
        }

        /**
         * Take subsets from endpoints in this zone first (see {@link Subsetting}). Set the same
         * zone as the balancer's {@code localZone}.
         *
         * @param zone not blank
         * @throws IllegalArgumentException if blank
         * @throws IllegalStateException if set before
         */
        public Builder localZone(String zone) {
            requireNonNull(zone, "zone");
            if (localZone != null) {
                throw new IllegalStateException("localZone already set to " + quote(localZone));
            }
            if (zone.isBlank()) {
                throw new IllegalArgumentException("localZone must not be blank");
            }
            this.localZone = zone;
            return this;
        }

        /**
         * The seed shared by one fleet's clients, so that two fleets over the same backends get
         * different subsets; any value, 0 by default.
         *
         * @throws IllegalStateException if set before
         */
        public Builder seed(long seed) {
            if (this.seed != null) {
                throw new IllegalStateException("seed already set to " + this.seed);
            }
            this.seed = seed;
            return this;
        }

        /**
         * The subsetting.
         *
         * @throws IllegalStateException if no mode was chosen
         */
        public Subsetting build() {
            if (mode == null) {
                throw new IllegalStateException("choose a mode: deterministic(clientId,"
                        + " clientCount), rendezvous(clientKey) or random()");
            }
            return new Subsetting(this);
        }

        private void onceMode() {
            if (mode != null) {
                throw new IllegalStateException("mode already set to " + describeMode());
            }
        }

        private String describeMode() {
            switch (mode) {
                case DETERMINISTIC:
                    return "deterministic(" + clientId + ", " + clientCount + ")";
                case RENDEZVOUS:
                    return "rendezvous(" + quote(clientKey) + ")";
                default:
                    return "random()";
            }
        }
    }
}
