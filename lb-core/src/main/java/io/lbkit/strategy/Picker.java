package io.lbkit.strategy;

/**
 * Chooses one candidate of a fixed {@link Candidates} set per call. Thread-safe: called by many
 * threads at once, it must not lock and should not allocate.
 */
@FunctionalInterface
public interface Picker {

    /** The index of the chosen candidate, in {@code [0, size)}, or -1 if none is acceptable. */
    int pick();

    /**
     * The index of the candidate for a call with the given key hash, or -1 if none is
     * acceptable. Hash strategies return the same index for the same hash; the default ignores
     * the hash.
     */
    default int pick(long hash) {
        return pick();
    }
}
