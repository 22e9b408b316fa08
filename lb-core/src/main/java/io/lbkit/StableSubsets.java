package io.lbkit;

import io.lbkit.internal.XxHash64;
import java.util.Arrays;

/**
 * {@link Subsetting#deterministic}: the subsets of all {@code clientCount} clients over one list of
 * addresses, as a stable many-to-many assignment. Stateless and thread-safe.
 */
/*
 * Why one file of about 400 lines: one algorithm (capacities, then a stable many-to-many
 * assignment), about 40 lines of implementation notes on why it is exact and minimally disruptive,
 * and the one array heap it needs (max-heaps of (score, client) in parallel arrays, which refill
 * also uses for its scores alone); it has no other user.
 */
/*
 * Implementation notes.
 *
 * The problem: give each of C clients exactly s = min(size, N) distinct servers out of N so that
 * every server is in floor(k) or ceil(k) subsets, k = C*s/N, as a pure function of (addresses,
 * C, s, seed) that every client evaluates alike, and so that one server more or less changes as
 * few subsets as possible.
 *
 * Capacities. base = floor(C*s/N); the (C*s - base*N) servers with the smallest rank hash
 * r_j = mix(h_j ^ RANK) get base + 1, the rest base. The capacities add up to C*s exactly, and
 * since s <= N each is at most C. The rank hash depends on the address alone, so when N changes
 * the set of base+1 servers changes by about as many servers as the count does (a prefix of one
 * fixed order), not wholesale.
 *
 * Assignment: one score per (client, server) pair, p(c, j) = mix(h_j ^ mix(c)), fixed by the
 * address and the client id alone, so it does not depend on who else is in the pool. Clients
 * propose in ascending score (deferred acceptance, Gale-Shapley, many-to-many); a full server
 * keeps the clients of lowest score and rejects the highest. Both sides rank by the same score, so
 * the stable assignment is unique and is the greedy one: take the pairs in ascending score, each
 * while its client still needs servers and its server has room. Every server has room for the
 * proposals that fill it; a client can still end short (it never holds a server twice: 3 servers,
 * 11 clients of 2, and a client holding the only server with room is refused by the two full
 * ones), and repair() completes those by augmenting paths, so every client gets exactly s and
 * every server ends exactly at its capacity: the coverage bound holds by construction.
 *
 * Churn. A shared score is what keeps changes local: a new server takes the pairs it scores
 * best; each client it takes drops its highest-scored server, whose free place goes to the next
 * pair in score order, and so on: chains run down the score order and end soon at a place the
 * capacity change freed. A first version ranked clients by an independent server-side score; its
 * chains wandered like random walks and a join moved about 40 x k connections at 1,000 x 1,000
 * (size 10), against about 5 x k with the shared score. The property tests bound the connections
 * moved per join or leave; docs/subsetting.md gives the figures at 1,000 x 1,000.
 *
 * Cost: each client scans all N servers to refill its candidate batch (a bounded heap of the next
 * M = s + 16 preferences), so O(C * N * log M) hashes and compares per distinct input; 1,000 x
 * 1,000 takes 20 ms (s = 10) to 110 ms (s = 100) of CPU. The results for the last four inputs are memoised (published
 * by a volatile write of a new array) so that several groups in one JVM over the same pool, such
 * as the simulator's thousand clients, or the levels and zones of one pool, compute each once.
 */
final class StableSubsets {

    private static final long RANK = 0x6A09E667F3BCC909L;
    private static final long CLIENT = 0x3C6EF372FE94F82BL;

    /** Results memoised, most recent first. */
    private static final int MEMO_SIZE = 4;
    /**
     * The last {@value #MEMO_SIZE} results, most recent first: a benign cache, replaced (never
     * modified) by one volatile write; a lost race loses an entry, not correctness.
     */
    private static volatile Memo[] memo = new Memo[0];

    private StableSubsets() {}

    /**
     * The subsets of all clients: client {@code c}'s subset is
     * {@code result[c * s .. (c + 1) * s)}, indexes into {@code addresses}, in ascending order,
     * where {@code s = min(size, addresses.length)}. The caller must not modify the result.
     *
     * @param addresses distinct addresses, in a canonical order (the result does not depend on
     *     the order, but its indexes refer to it)
     */
    static int[] assign(String[] addresses, int clientCount, int size, long seed) {
        Memo[] entries = memo;
        for (Memo m : entries) {
            if (m.clientCount == clientCount && m.size == size && m.seed == seed
                    && Arrays.equals(m.addresses, addresses)) {
                return m.result;
            }
        }
        int[] result = compute(addresses, clientCount, size, seed);
        Memo[] next = new Memo[Math.min(MEMO_SIZE, entries.length + 1)];
        next[0] = new Memo(addresses.clone(), clientCount, size, seed, result);
        System.arraycopy(entries, 0, next, 1, next.length - 1);
        memo = next;
        return result;
    }

    private static int[] compute(String[] addresses, int clientCount, int size, long seed) {
        int n = addresses.length;
        int s = Math.min(size, n);
        if (s == 0) {
            return new int[0];
        }
        long[] h = new long[n];
        for (int j = 0; j < n; j++) {
            h[j] = XxHash64.hashChars(addresses[j], seed);
        }
        int[] capacity = capacities(h, clientCount, s);
        int[] offset = new int[n + 1];
        for (int j = 0; j < n; j++) {
            offset[j + 1] = offset[j] + capacity[j];
        }
        // Server j's accepted clients: a max-heap on q (worst on top) in [offset[j], offset[j+1]).
        long[] heapKey = new long[offset[n]];
        int[] heapClient = new int[offset[n]];
        int[] held = new int[n];

        int batch = Math.min(n, s + 16);
        long[][] next = new long[clientCount][];
        int[] cursor = new int[clientCount];
        long[] lastTaken = new long[clientCount];
        int[] holding = new int[clientCount];
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
        long indexMask = (1L << bits) - 1;
        long[] heap = new long[batch];
        int[] scratch = new int[batch]; // refill's heap has no clients: the unused half

        // Clients that hold fewer than s servers, each at most once: a ring of clientCount.
        int[] queue = new int[clientCount];
        boolean[] inQueue = new boolean[clientCount];
        int head = 0;
        int tail = 0;
        int queued;
        int stuck = 0;
        for (int c = 0; c < clientCount; c++) {
            queue[c] = c;
            inQueue[c] = true;
            lastTaken[c] = Long.MIN_VALUE;
        }
        queued = clientCount;
        while (queued > 0) {
            int c = queue[head];
            head = head + 1 == queue.length ? 0 : head + 1;
            queued--;
            inQueue[c] = false;
            long mc = mix(c * CLIENT + CLIENT);
            while (holding[c] < s) {
                if (next[c] == null || cursor[c] == next[c].length) {
                    next[c] = refill(h, mc, lastTaken[c], bits, indexMask, heap, scratch, batch);
                    cursor[c] = 0;
                    if (next[c].length == 0) {
                        stuck++; // proposed to every server; repaired below
                        break;
                    }
                }
                long packed = next[c][cursor[c]++];
                lastTaken[c] = packed;
                int j = (int) (packed & indexMask);
                long key = mix(h[j] ^ mc);
                int base = offset[j];
                int cap = capacity[j];
                if (held[j] < cap) {
                    siftUp(heapKey, heapClient, base, held[j], key, c);
                    held[j]++;
                    holding[c]++;
                } else if (cap > 0 && key < heapKey[base]) {
                    int displaced = heapClient[base];
                    replaceTop(heapKey, heapClient, base, cap, key, c);
                    holding[c]++;
                    holding[displaced]--;
                    if (!inQueue[displaced]) {
                        inQueue[displaced] = true;
                        queue[tail] = displaced;
                        tail = tail + 1 == queue.length ? 0 : tail + 1;
                        queued++;
                    }
                }
            }
        }
        if (stuck > 0) {
            repair(clientCount, s, capacity, offset, heapClient, held, holding);
        }
        int[] result = new int[clientCount * s];
        int[] fill = new int[clientCount];
        for (int j = 0; j < n; j++) {
            for (int i = offset[j]; i < offset[j] + held[j]; i++) {
                int c = heapClient[i];
                result[c * s + fill[c]++] = j; // j ascends, so each subset is sorted
            }
        }
        return result;
    }

    /**
     * Completes the assignment for the clients that deferred acceptance left short: it can,
     * because a client never holds a server twice, so one that has proposed everywhere may still
     * lack a server while another has room (3 servers, 11 clients of 2: a client holding the one
     * with room is turned away by the two full ones). The assignment is a flow (client to server
     * edges of capacity 1, server capacities as above), and a feasible one exists because every
     * capacity is at most C (Gale-Ryser), so each augmenting path found by breadth-first search
     * from a short client moves one more place into use: the short client takes a server, a
     * client holding that server moves to another it does not hold, and so on until a server
     * with room. Paths are searched in index order, so the outcome is deterministic.
     */
    private static void repair(int clientCount, int s, int[] capacity, int[] offset,
            int[] heapClient, int[] held, int[] holding) {
        int n = capacity.length;
        java.util.Set<Long> holds = new java.util.HashSet<>();
        for (int j = 0; j < n; j++) {
            for (int i = offset[j]; i < offset[j] + held[j]; i++) {
                holds.add(pair(heapClient[i], j));
            }
        }
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int c = 0; c < clientCount; c++) {
                while (holding[c] < s && augment(c, n, capacity, offset, heapClient, held, holds)) {
                    holding[c]++;
                    progress = true;
                }
            }
        }
        for (int c = 0; c < clientCount; c++) {
            if (holding[c] < s) {
                throw new IllegalStateException("no complete assignment for client " + c
                        + " (a bug: one exists whenever every capacity is at most the client"
                        + " count)");
            }
        }
    }

    /** One augmenting path from client {@code c}; false if there is none from it. */
    private static boolean augment(int c, int n, int[] capacity, int[] offset, int[] heapClient,
            int[] held, java.util.Set<Long> holds) {
        // BFS over servers: via[j] = the client that would take j; from[j] = the server that
        // client gives up (-1: the client is c, who gives up nothing).
        int[] viaClient = new int[n];
        int[] from = new int[n];
        Arrays.fill(viaClient, -1);
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        // Servers not reached yet: the ones c holds (few), swap-removed when reached.
        int[] unreached = new int[n];
        int unreachedCount = 0;
        for (int j = 0; j < n; j++) {
            if (!holds.contains(pair(c, j))) {
                viaClient[j] = c;
                from[j] = -1;
                queue[tail++] = j;
            } else {
                unreached[unreachedCount++] = j;
            }
        }
        while (head < tail) {
            int j = queue[head++];
            if (held[j] < capacity[j]) {
                // Walk back: each client on the path takes its server and gives up the previous.
                int target = j;
                while (target >= 0) {
                    int taker = viaClient[target];
                    int given = from[target];
                    heapClient[offset[target] + held[target]] = taker;
                    held[target]++;
                    holds.add(pair(taker, target));
                    if (given >= 0) {
                        removeHolder(given, taker, offset, heapClient, held);
                        holds.remove(pair(taker, given));
                    }
                    target = given;
                }
                return true;
            }
            for (int i = offset[j]; i < offset[j] + held[j] && unreachedCount > 0; i++) {
                int d = heapClient[i];
                for (int u = 0; u < unreachedCount; u++) {
                    int j2 = unreached[u];
                    if (!holds.contains(pair(d, j2))) {
                        viaClient[j2] = d;
                        from[j2] = j;
                        queue[tail++] = j2;
                        unreached[u--] = unreached[--unreachedCount];
                    }
                }
            }
        }
        return false;
    }

    private static void removeHolder(int j, int client, int[] offset, int[] heapClient,
            int[] held) {
        int last = offset[j] + held[j] - 1;
        for (int i = offset[j]; i <= last; i++) {
            if (heapClient[i] == client) {
                heapClient[i] = heapClient[last];
                held[j]--;
                return;
            }
        }
        throw new IllegalStateException("client " + client + " does not hold server " + j);
    }

    /** A (client, server) pair as one long whose {@link Long#hashCode()} spreads well. */
    private static long pair(int client, int server) {
        return mix((long) client << 32 | server);
    }

    /**
     * Per-server capacity: floor(k) or ceil(k) with k = C*s/N; the servers of smallest rank hash
     * take the ceiling.
     */
    static int[] capacities(long[] h, int clientCount, int s) {
        int n = h.length;
        long total = (long) clientCount * s;
        int base = (int) (total / n);
        int extra = (int) (total - (long) base * n);
        int[] capacity = new int[n];
        Arrays.fill(capacity, base);
        if (extra > 0) {
            long[] rank = new long[n];
            int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
            long indexMask = (1L << bits) - 1;
            for (int j = 0; j < n; j++) {
                rank[j] = (mix(h[j] ^ RANK) & ~indexMask) | j;
            }
            Arrays.sort(rank);
            for (int i = 0; i < extra; i++) {
                capacity[(int) (rank[i] & indexMask)]++;
            }
        }
        return capacity;
    }

    /**
     * The client's next {@code batch} preferences after {@code after} (packed preference with the
     * server index in the low bits, smallest first), fewer if the list runs out.
     */
    private static long[] refill(long[] h, long mc, long after, int bits, long indexMask,
            long[] heap, int[] scratch, int batch) {
        int size = 0;
        for (int j = 0; j < h.length; j++) {
            long p = (mix(h[j] ^ mc) & ~indexMask) | j;
            if (p <= after) {
                continue;
            }
            if (size < batch) {
                siftUp(heap, scratch, 0, size++, p, 0); // max-heap: the largest kept on top
            } else if (p < heap[0]) {
                replaceTop(heap, scratch, 0, size, p, 0);
            }
        }
        long[] out = Arrays.copyOf(heap, size);
        Arrays.sort(out);
        return out;
    }

    private static void siftUp(long[] key, int[] client, int base, int i, long k, int c) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (key[base + parent] >= k) {
                break;
            }
            key[base + i] = key[base + parent];
            client[base + i] = client[base + parent];
            i = parent;
        }
        key[base + i] = k;
        client[base + i] = c;
    }

    private static void replaceTop(long[] key, int[] client, int base, int size, long k, int c) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && key[base + child + 1] > key[base + child]) {
                child++;
            }
            if (key[base + child] <= k) {
                break;
            }
            key[base + i] = key[base + child];
            client[base + i] = client[base + child];
            i = child;
        }
        key[base + i] = k;
        client[base + i] = c;
    }

    /** Stafford's variant 13 of the SplitMix64 finalizer: a full-avalanche 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private record Memo(String[] addresses, int clientCount, int size, long seed, int[] result) {}
}
