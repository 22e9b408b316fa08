package io.lbkit.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The baseline: routes each call to the member with the least expected response time, knowing
 * every server's true queue, concurrency, current mean service time and failure mode (which no
 * client knows). Ties go to the first tied member after the previous choice, so the oracle is
 * deterministic. Not an upper bound on what any policy can achieve, but a strong, simple one
 * (join the shortest expected wait). Confined to the simulation thread.
 */
final class OracleRouter implements Router {

    private final List<Server> members = new ArrayList<>();
    private final SimClock clock;
    private int last;

    OracleRouter(SimClock clock, List<Server> initial) {
        this.clock = clock;
        members.addAll(initial);
    }

    /**
     * The expected response time of one more call at {@code s}: its mean service time plus the
     * expected wait for a worker, {@code (load - concurrency + 1) × mean / concurrency} when all
     * workers are busy (exact for exponential service, which is memoryless). Infinite for a
     * server that will not answer successfully.
     */
    static double expectedResponse(Server s, long now) {
        if (s.mode != Server.Mode.UP) {
            return Double.POSITIVE_INFINITY;
        }
        double mean = s.meanNanos(now);
        int c = s.spec.concurrency();
        int ahead = s.load() - c + 1;
        return ahead <= 0 ? mean : mean + ahead * mean / c;
    }

    @Override
    public Server route(Call call) {
        int n = members.size();
        if (n == 0) {
            return null;
        }
        long now = clock.read();
        Server best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        int bestIndex = 0;
        for (int k = 1; k <= n; k++) {
            int i = (last + k) % n;
            Server s = members.get(i);
            double cost = expectedResponse(s, now);
            if (best == null || cost < bestCost) {
                best = s;
                bestCost = cost;
                bestIndex = i;
            }
        }
        last = bestIndex;
        return best;
    }

    @Override
    public void report(Call call, boolean success, long latencyNanos) {}

    @Override
    public void join(Server server) {
        members.add(server);
    }

    @Override
    public void leave(Server server) {
        members.remove(server);
    }

    @Override
    public long ejections() {
        return 0;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "oracle";
    }
}
