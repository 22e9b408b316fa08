package io.lbkit.grpc;

import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Status;
import io.lbkit.Endpoint;

/**
 * One subchannel of the {@code lbkit} policy and what the policy knows about it: its endpoint, its
 * connectivity (with sticky transient failure) and its health watch. Not thread-safe: confined to
 * the channel's synchronization context.
 */
final class ChildSubchannel {
    Endpoint endpoint;
    final Subchannel subchannel;
    ConnectivityState state = ConnectivityState.IDLE;
    /** Sticky transient failure: set on TRANSIENT_FAILURE, cleared on READY or IDLE. */
    boolean failed;
    /** The status of the last TRANSIENT_FAILURE. */
    Status failure;
    /** The health watch; null while health checking is off. */
    HealthWatch watch;

    ChildSubchannel(Endpoint endpoint, Subchannel subchannel) {
        this.endpoint = endpoint;
        this.subchannel = subchannel;
    }

    /** READY, and serving by its health watch if there is one: calls may go here. */
    boolean serving() {
        if (state != ConnectivityState.READY) {
            return false;
        }
        if (watch == null) {
            return true;
        }
        HealthWatch.Verdict v = watch.verdict();
        return v == HealthWatch.Verdict.SERVING || v == HealthWatch.Verdict.POLLED;
    }

    /** Serving, with its health left to the active check (its server has no Watch). */
    boolean polled() {
        return watch != null && watch.verdict() == HealthWatch.Verdict.POLLED;
    }

    /**
     * Not serving, but may soon: connecting (not failed since it was last READY), or READY
     * and waiting for its first health answer. Calls may wait for it.
     */
    boolean connecting() {
        if (state == ConnectivityState.READY) {
            return watch != null && watch.verdict() == HealthWatch.Verdict.UNKNOWN;
        }
        return !failed;
    }

    /** Why a child that is neither serving nor connecting is out. */
    Status failure() {
        return state == ConnectivityState.READY ? watch.reason() : failure;
    }

    /** Stops the health watch (cancelling its stream) and shuts the subchannel down. */
    void shutdown() {
        if (watch != null) {
            watch.stop();
        }
        subchannel.shutdown();
    }
}
