package io.lbkit;

/**
 * Cumulative counts of the calls reported through a balancer's {@link Pick}s, by outcome, with
 * their total reported latency: what metrics read when they are collected, instead of recording
 * every call. A live view: each method reads the current total. Thread-safe.
 *
 * <p>Get one with {@link LoadBalancer#counters()} (every call of the balancer, including calls to
 * endpoints that have since left its group) or {@link LoadBalancer#counters(Endpoint)} (one
 * endpoint, since it joined). The balancer keeps these counts whether anyone reads them or not:
 * a report adds to the endpoint's counts it already updates, plus its latency to a total
 * beside them, and takes no lock; a pick counts nothing here.
 *
 * <p>Every value only grows (counters in the Prometheus and OpenTelemetry sense) as long as the
 * view is read at least once per 2^32 successful calls of an endpoint (about every 70 minutes at
 * a million calls per second to one endpoint; metrics read at every scrape). Values read one
 * after the other are not one atomic snapshot: a call reported between two reads shows in the
 * second only. Reading takes a short lock of the view's own and sums a few adders per endpoint;
 * it never blocks a pick or a report.
 */
public interface CallCounters {

    /** Calls reported with {@link Pick#onSuccess}. */
    long successes();

    /** Calls reported with {@link Pick#onFailure}. */
    long failures();

    /** Calls ended with {@link Pick#release}: no outcome, no latency. */
    long releases();

    /** The sum of the latencies reported with {@link Pick#onSuccess}, in nanoseconds (negative ones count as 0). */
    long successNanos();

    /** The sum of the latencies reported with {@link Pick#onFailure}, in nanoseconds (negative ones count as 0). */
    long failureNanos();
}
