package io.lbkit;

import java.util.Arrays;
import java.util.function.ToLongFunction;

/**
 * {@link CallCounters} whose every value is a sum over other counters, one {@link Field} at a
 * time: a balancer's ({@link BalancerCounters}) and a traffic split's ({@link #of}). Thread-safe
 * as far as {@link #sum} is.
 */
abstract class SummingCounters implements CallCounters {

    /** One value of {@link CallCounters}, so that a sum is written once for all five. */
    enum Field {
        SUCCESSES(CallCounters::successes),
        FAILURES(CallCounters::failures),
        RELEASES(CallCounters::releases),
        SUCCESS_NANOS(CallCounters::successNanos),
        FAILURE_NANOS(CallCounters::failureNanos);

        private final ToLongFunction<CallCounters> getter;

        Field(ToLongFunction<CallCounters> getter) {
            this.getter = getter;
        }

        /** This value of {@code c}. */
        long of(CallCounters c) {
            return getter.applyAsLong(c);
        }
    }

    /** The current sum of one value. */
    abstract long sum(Field field);

    /**
     * Counters that add up {@code parts}' (a traffic split's routes); equal when they add up the
     * same views.
     */
    static CallCounters of(CallCounters[] parts) {
        return new Parts(parts.clone());
    }

    @Override
    public final long successes() {
        return sum(Field.SUCCESSES);
    }

    @Override
    public final long failures() {
        return sum(Field.FAILURES);
    }

    @Override
    public final long releases() {
        return sum(Field.RELEASES);
    }

    @Override
    public final long successNanos() {
        return sum(Field.SUCCESS_NANOS);
    }

    @Override
    public final long failureNanos() {
        return sum(Field.FAILURE_NANOS);
    }

    private static final class Parts extends SummingCounters {
        private final CallCounters[] parts;

        Parts(CallCounters[] parts) {
            this.parts = parts;
        }

        @Override
        long sum(Field field) {
            long n = 0;
            for (CallCounters c : parts) {
                n += field.of(c);
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Parts && Arrays.equals(parts, ((Parts) o).parts);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(parts);
        }
    }
}
