package io.lbkit.sim;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.OutlierDetection;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import io.lbkit.strategy.Strategy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tail simulations of hedging and adaptive concurrency limits (issue 17), on simulated time
 * against a real lbkit {@link LoadBalancer}: one run is one strategy, one seed and one variant
 * (with or without the feature). Not thread-safe; a run is confined to one thread.
 *
 * <p><b>Heavy tail.</b> 10 servers of 4 workers; each attempt's work is 5 ms plus an exponential
 * 5 ms, and 1% of attempts are 10× slower (a slow attempt is the server's doing: a hedge to
 * another server draws its own work). Poisson arrivals at 50% utilisation. Hedging: one
 * {@link HedgePolicy} (defaults: one hedge after the recent p95 of attempt latency) and one
 * {@link RetryBudget} (defaults: 20%) for the service; the hedge goes to a different endpoint;
 * the first answer wins, the loser is released (a queued loser is skipped by its server, one in
 * service runs to its end: its work is the hedge's real cost).
 *
 * <p><b>Overload ramp.</b> The same servers without the slow attempts (10 ms mean, exponential);
 * offered load rises linearly from 50% to 200% of capacity over the run. Client timeout 1 s; a
 * server skips queued calls whose caller gave up. Limited: the balancer is built with
 * {@link LoadBalancer.Builder#concurrencyLimit} ({@link ConcurrencyLimit#gradient()}): it learns
 * each endpoint's limit from the reports, skips an endpoint at its limit, and when all are at
 * their limits the pick fails at once ({@code AT_CAPACITY}). A timeout is reported as a failure
 * with its latency (1 s), which the limiter counts as a drop.
 */
/*
 * Why one file of over 400 lines: both tail scenarios (heavy tail with hedging, overload ramp with
 * limits) run through one event loop whose attempts, hedges, budget and limiter interact on every
 * event; its call model differs from Serving's (hedged attempts, releases of losers), so it does
 * not share that class. The tables and goals are in TailMain.
 */
final class TailSim {

    static final int SERVERS = 10;
    static final int WORKERS = 4;
    static final long MS = 1_000_000L;
    static final long TIMEOUT = 1_000 * MS;

    /** The figures of one run. */
    record Run(long[] latencies, long calls, long errors, long rejected, long hedges,
            long attempts, double busyNanos, long goodCalls, long durationNanos) {}

    final SimClock clock = new SimClock();
    private final SplittableRandom random;
    private final Srv[] servers = new Srv[SERVERS];
    private final LoadBalancer lb;
    private final long warmup;
    private final long duration;

    private long[] latencies = new long[1 << 16];
    private int measured;
    private long calls;
    private long errors;
    private long rejected;
    private long hedges;
    private long attempts;
    private long goodCalls;
    private double busyNanos;

    TailSim(Strategy strategy, long seed, long warmupNanos, long durationNanos) {
        this(strategy, seed, warmupNanos, durationNanos, null);
    }

    /** A run whose balancer has the given concurrency limit (null: none). */
    TailSim(Strategy strategy, long seed, long warmupNanos, long durationNanos,
            ConcurrencyLimit limit) {
        this.random = new SplittableRandom(seed);
        this.warmup = warmupNanos;
        this.duration = durationNanos;
        Endpoint[] eps = new Endpoint[SERVERS];
        for (int i = 0; i < SERVERS; i++) {
            eps[i] = Endpoint.of("10.0.0." + (i + 1), Simulation.BASE_PORT + i);
            servers[i] = new Srv(i);
        }
        LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(eps)).strategy(strategy)
                .ticker(clock).scheduler(clock).outlierDetection(OutlierDetection.disabled());
        if (limit != null) {
            b.concurrencyLimit(limit);
        }
        this.lb = b.build();
    }

    // ---- the heavy-tail scenario --------------------------------------------------------------

    /** Work of one heavy-tail attempt, in ns: 5 ms + Exp(5 ms), ×10 for 1% of attempts. */
    private long tailWork() {
        double w = 5 * MS + exp() * 5 * MS;
        if (random.nextDouble() < 0.01) {
            w *= 10;
        }
        return Math.round(w);
    }

    /** Runs the heavy-tail scenario at {@code utilisation}; hedging when policy is not null. */
    Run heavyTail(double utilisation, HedgePolicy policy, RetryBudget budget) {
        double mean = (5 + 5) * MS * (0.99 + 0.1);
        double rate = utilisation * SERVERS * WORKERS / mean; // calls per ns
        arrivals(rate, rate, () -> tailCall(policy, budget));
        return finish();
    }

    private void tailCall(HedgePolicy policy, RetryBudget budget) {
        Call c = new Call(clock.read());
        long[] work = {tailWork(), tailWork(), tailWork()}; // drawn for every variant alike
        if (c.arrival >= warmup) {
            calls++;
        }
        Pick first = pickOrNull();
        if (first == null) {
            c.done = true;
            record(c, false);
            return;
        }
        send(c, first, work[0], policy);
        if (policy == null) {
            return;
        }
        budget.onRequest();
        HedgePolicy.HedgedCall hedging = policy.start(budget);
        scheduleHedge(c, hedging, policy, work, 1);
    }

    private void scheduleHedge(Call c, HedgePolicy.HedgedCall hedging, HedgePolicy policy,
            long[] work, int n) {
        clock.after(hedging.delayNanos(), () -> {
            if (c.done || n >= work.length || !hedging.tryHedge()) {
                return;
            }
            Pick p = pickOther(c);
            if (p == null) {
                return;
            }
            if (c.arrival >= warmup) {
                hedges++;
            }
            send(c, p, work[n], policy);
            scheduleHedge(c, hedging, policy, work, n + 1);
        });
    }

    /** A pick on an endpoint the call has not used yet, or null after 3 tries. */
    private Pick pickOther(Call c) {
        for (int i = 0; i < 3; i++) {
            Pick p = pickOrNull();
            if (p == null) {
                return null;
            }
            if (!c.used(port(p))) {
                return p;
            }
            p.release();
        }
        return null;
    }

    private Pick pickOrNull() {
        try {
            return lb.pick();
        } catch (NoEndpointAvailableException e) {
            return null;
        }
    }

    private void send(Call c, Pick pick, long work, HedgePolicy policy) {
        Attempt a = new Attempt(c, pick, servers[port(pick)], clock.read(), work);
        c.attempts.add(a);
        attempts++;
        a.onDone = ok -> {
            long latency = clock.read() - a.start;
            if (policy != null) {
                policy.recordLatency(latency);
            }
            pick.onSuccess(latency);
            if (!c.done) {
                c.done = true;
                record(c, true);
                for (Attempt other : c.attempts) {
                    if (other != a && !other.finished) {
                        // The loser's latency is at least its time so far: above the delay,
                        // where it belongs for the percentile (see HedgePolicy).
                        policy.recordLatency(clock.read() - other.start);
                        other.releaseLoser();
                    }
                }
            }
        };
        a.server.submit(a);
    }

    // ---- the overload ramp ----------------------------------------------------------------------

    /**
     * Runs the overload ramp from {@code from} to {@code to} times capacity, with the balancer's
     * concurrency limit if it was built with one.
     */
    Run overloadRamp(double from, double to) {
        double rate0 = from * SERVERS * WORKERS / (10.0 * MS);
        double rate1 = to * SERVERS * WORKERS / (10.0 * MS);
        arrivals(rate0, rate1, this::rampCall);
        return finish();
    }

    private void rampCall() {
        Call c = new Call(clock.read());
        long work = Math.round(exp() * 10 * MS);
        if (c.arrival >= warmup) {
            calls++;
        }
        Pick p = pickOrNull();
        if (p == null) {
            c.done = true;
            if (c.arrival >= warmup) {
                rejected++;
            }
            record(c, false);
            return;
        }
        Srv s = servers[port(p)];
        Attempt a = new Attempt(c, p, s, clock.read(), work);
        attempts++;
        a.onDone = ok -> {
            long latency = clock.read() - a.start;
            if (ok) {
                p.onSuccess(latency);
            } else {
                p.onFailure(latency);
            }
            c.done = true;
            record(c, ok);
        };
        clock.after(TIMEOUT, () -> {
            if (!a.finished) {
                a.cancelled = true; // the caller gives up: a queued call is skipped
                a.finish(false);
            }
        });
        s.submit(a);
    }

    // ---- shared machinery -----------------------------------------------------------------------

    /** Poisson arrivals whose rate moves linearly from rate0 to rate1 (calls per ns). */
    private void arrivals(double rate0, double rate1, Runnable call) {
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            long now = clock.read();
            if (now >= duration) {
                return;
            }
            call.run();
            double rate = rate0 + (rate1 - rate0) * now / duration;
            clock.after(Math.max(1, Math.round(exp() / rate)), next[0]);
        };
        clock.after(Math.max(1, Math.round(exp() / rate0)), next[0]);
    }

    private Run finish() {
        clock.runUntil(duration + 3 * TIMEOUT);
        lb.close();
        long[] sorted = Arrays.copyOf(latencies, measured);
        Arrays.sort(sorted);
        return new Run(sorted, calls, errors, rejected, hedges, attempts, busyNanos, goodCalls,
                duration - warmup);
    }

    private void record(Call c, boolean ok) {
        if (c.arrival < warmup) {
            return;
        }
        long latency = clock.read() - c.arrival;
        if (ok && latency <= TIMEOUT) {
            goodCalls++;
        } else {
            errors++;
        }
        if (!ok) {
            return; // latencies are of answered calls
        }
        if (measured == latencies.length) {
            latencies = Arrays.copyOf(latencies, 2 * measured);
        }
        latencies[measured++] = latency;
    }

    private double exp() {
        return -Math.log(1 - random.nextDouble());
    }

    private static int port(Pick p) {
        return p.endpoint().port() - Simulation.BASE_PORT;
    }

    /** One logical call: its arrival and its attempts (the first and any hedges). */
    private static final class Call {
        final long arrival;
        final List<Attempt> attempts = new ArrayList<>(2);
        boolean done;

        Call(long arrival) {
            this.arrival = arrival;
        }

        boolean used(int server) {
            for (Attempt a : attempts) {
                if (a.server.id == server) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One attempt of a call on one server. */
    private final class Attempt {
        final Call call;
        final Pick pick;
        final Srv server;
        final long start;
        final long work;
        java.util.function.Consumer<Boolean> onDone;
        boolean finished;
        boolean cancelled;

        Attempt(Call call, Pick pick, Srv server, long start, long work) {
            this.call = call;
            this.pick = pick;
            this.server = server;
            this.start = start;
            this.work = work;
        }

        void finish(boolean ok) {
            if (finished) {
                return;
            }
            finished = true;
            onDone.accept(ok);
        }

        /**
         * Another attempt won: released, not failed. A queued loser is skipped by its server;
         * one in service runs to its end (its work is the hedge's cost) and is then ignored.
         */
        void releaseLoser() {
            if (!finished) {
                finished = true;
                cancelled = true;
                pick.release();
            }
        }
    }

    /** A simulated server: WORKERS workers and a FIFO queue. */
    private final class Srv {
        final int id;
        final ArrayDeque<Attempt> queue = new ArrayDeque<>();
        int busy;

        Srv(int id) {
            this.id = id;
        }

        void submit(Attempt a) {
            if (busy < WORKERS) {
                start(a);
            } else {
                queue.add(a);
            }
        }

        private void start(Attempt a) {
            busy++;
            if (clock.read() >= warmup) {
                busyNanos += a.work;
            }
            clock.after(a.work, () -> {
                busy--;
                a.finish(true);
                Attempt next;
                while ((next = queue.poll()) != null) {
                    if (next.cancelled) {
                        continue; // its caller gave up or another attempt won: skipped
                    }
                    start(next);
                    break;
                }
            });
        }
    }
}
