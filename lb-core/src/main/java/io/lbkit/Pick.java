package io.lbkit;

/**
 * The endpoint a {@link LoadBalancer} chose for one call, and the handle through which the caller
 * reports how the call went. Thread-safe.
 *
 * <p>A {@code Pick} is the endpoint's shared accounting record, not a per-call object: picking
 * allocates nothing. Each pick counts one call in flight on the endpoint until the caller reports
 * it <em>exactly once</em> with {@link #onSuccess}, {@link #onFailure} or {@link #release}.
 * Reporting twice, or never, skews the endpoint's in-flight count for as long as the endpoint
 * stays in the group. Reports arriving after the endpoint left the group are accepted and
 * ignored by balancing.
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
}
