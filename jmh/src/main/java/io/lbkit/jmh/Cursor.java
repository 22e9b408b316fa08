package io.lbkit.jmh;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A per-thread position in the pre-generated inputs of a {@link Workload}. Not thread-safe: JMH
 * gives each benchmark thread its own.
 */
@State(Scope.Thread)
public class Cursor {

    private int next;

    /** The next input index, already masked with {@link Workload#MASK}. */
    public int next() {
        return next++ & Workload.MASK;
    }
}
