package io.lbkit;

/**
 * The endpoint a {@link LoadBalancer} chose for one call, and the handle through which the caller
 * reports how the call went. Thread-safe.
 *
 * <p>A {@code Pick} is the endpoint's shared accounting record, not a per-call object: picking
 * allocates nothing. Each pick counts one call in flight on the endpoint until the caller reports
 * it <em>exactly once</em> with {@link #onSuccess}, {@link #onFailure} or {@link #release}
 * (in a {@code finally} block, so that an exception cannot skip it). Reports arriving after the
 * endpoint left the group are accepted and ignored by balancing.
 *
 * <p><b>Misuse, and what it costs.</b> Because every pick of an endpoint returns the same
 * object, a pick cannot tell a second report from another call's first: by default misuse is
 * silent, and it lasts as long as the endpoint stays in the group.
 *
 * <ul>
 *   <li>A pick <b>never reported</b> counts as in flight for good: least-request and bounded-load
 *       strategies send that endpoint less traffic; under
 *       {@link LoadBalancer.Builder#maxRequestsPerEndpoint} (or a
 *       {@link LoadBalancer.Builder#concurrencyLimit}) each leak takes one slot for good,
 *       until the endpoint is permanently {@code AT_CAPACITY}; an unreported trial call of a
 *       half-open circuit keeps the circuit half-open, with its trial slots taken, forever.
 *   <li>A pick <b>reported twice</b> counts one call too few in flight (the endpoint looks idler
 *       than it is and its in-flight cap lets one call too many through) and counts an outcome
 *       twice, which skews outlier detection and the circuit breaker.
 * </ul>
 *
 * <p>To find such bugs, build the balancer with
 * {@link LoadBalancer.Builder#strictPicks(boolean) strictPicks(true)}: each pick then returns a
 * handle of its own that throws {@link IllegalStateException} on a second report and, when the
 * garbage collector finds a handle dropped without a report, frees its slot; both are counted in
 * {@link EndpointStats#pickMisuses()} and logged.
 *
 * <p><b>What a report costs.</b> Usually a few atomic adds, and never a lock. A report that
 * crosses a health threshold (a failure streak, a half-open trial's outcome) also takes the
 * balancer's lock briefly to change the endpoint's health state (an O(n) plan of the table, no
 * picker build under the lock), then:
 * <ul>
 *   <li>if no other thread is rebuilding the routing table, it rebuilds it on the reporting
 *       thread, outside the lock, so that its change is in effect when the report returns: at
 *       most two table builds (the second covers every change that arrived during the first;
 *       changes still arriving after that are left to the balancer's scheduler). A build costs
 *       microseconds for the simple strategies and milliseconds for the hash strategies with
 *       many endpoints (see BENCHMARKS.md, "Table build time");
 *   <li>if another thread is rebuilding, it returns at once, and that thread publishes its change
 *       with its next build: concurrent reports never wait behind each other's builds.
 * </ul>
 * Health listeners may then run on the reporting thread, after the table that reflects their
 * event is published and outside the balancer's lock.
 */
public interface Pick {

    /** The chosen endpoint. */
    Endpoint endpoint();

    /**
     * The call completed successfully.
     *
     * @param latencyNanos how long the call took, in nanoseconds (negative values count as 0)
     */
    void onSuccess(long latencyNanos);

    /**
     * The call failed in a way that counts against the endpoint (connection refused, timeout, a
     * server error).
     *
     * @param latencyNanos how long the call took until it failed, in nanoseconds
     */
    void onFailure(long latencyNanos);

    /**
     * The call ends without an outcome that says anything about the endpoint (cancelled by the
     * caller before it was sent, say): frees its in-flight slot and counts nothing.
     */
    void release();

    /**
     * Whether the endpoint is known to be failing now: its recent calls mostly failed (its
     * failure score, which fades within seconds without new failures, is at least 0.4; two
     * failures in a row are enough). A caller about to retry a call should look for another
     * endpoint. Reads live state without a lock and allocates nothing; see docs/failure-model.md.
     */
    default boolean recentlyFailing() {
        return false;
    }

    /**
     * Whether the endpoint's latest reported outcome was a failure: one failure since its last
     * success is enough, for as long as its failure score remembers it (a few seconds without
     * new failures). Weaker evidence than {@link #recentlyFailing()}, for a choice that costs
     * nothing to make strictly: a retry should prefer an endpoint for which both are false, and
     * settle for one that is only {@code failedSinceLastSuccess} when it finds none. First
     * attempts should not look at it, so that an endpoint that failed once keeps getting the calls
     * whose first success clears it. Reads live state without a lock and allocates nothing; see
     * docs/failure-model.md.
     */
    default boolean failedSinceLastSuccess() {
        return false;
    }

    /**
     * Whether a call to the endpoint was reported successful within the last {@code nanos}
     * nanoseconds (to within a millisecond), by the balancer's clock. A retry should prefer an
     * endpoint seen working since its call began: in the first milliseconds of a fault the
     * failing endpoints' failures may not be reported yet, and a hanging endpoint reports none
     * until its calls time out, but neither reports successes. Successes are timed only while
     * the balancer has seen a failure in the last 10 s (retries follow failures; a balancer
     * whose calls all succeed reads no clock for this), so a success before the first failure
     * of such a period does not count. Reads live state without a lock and allocates nothing;
     * see docs/failure-model.md.
     *
     * @param nanos how far back to look, in nanoseconds (negative: as 0)
     */
    default boolean succeededWithin(long nanos) {
        return false;
    }
}
