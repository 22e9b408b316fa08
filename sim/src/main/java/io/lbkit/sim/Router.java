package io.lbkit.sim;

/**
 * Chooses the server of each simulated call and hears how it went: lbkit's balancer, or the
 * oracle baseline. Confined to the simulation thread.
 */
interface Router {

    /**
     * The server for {@code call}, or null when the router has none to offer (the call then fails
     * at once). May set {@link Call#pick}.
     */
    Server route(Call call);

    /** The call's outcome, at the simulated time it became known to the caller. */
    void report(Call call, boolean success, long latencyNanos);

    /** A server joins the pool. */
    void join(Server server);

    /** A server leaves the pool; calls already sent to it still complete. */
    void leave(Server server);

    /** Outlier ejections so far; 0 when the router has no such notion. */
    long ejections();

    /** Releases the router's resources. */
    void close();
}
