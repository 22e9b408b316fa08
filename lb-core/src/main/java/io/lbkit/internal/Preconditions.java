package io.lbkit.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The argument checks of lbkit's builders, one place for their messages: an option set twice
 * throws {@link IllegalStateException} naming the earlier value; a value out of range throws
 * {@link IllegalArgumentException} naming the field and the range. Thread-safe (stateless),
 * except {@link SetOnce}, which is confined to its builder like the builder itself.
 *
 * <p>Every builder of lb-core and of lb-etcd uses these checks (the module exports this package
 * to {@code io.lbkit.etcd} only; see docs/layout.md), so a setter's body is one validated
 * assignment and the messages read the same everywhere.
 */
public final class Preconditions {

    private Preconditions() {}

    /**
     * For an option kept in a nullable field: throws if it already holds a value.
     *
     * @param earlier the field's current value, null when unset
     * @throws IllegalStateException "{@code field} was already set to {@code earlier}"
     */
    public static void checkOnce(String field, Object earlier) {
        if (earlier != null) {
            throw new IllegalStateException(field + " was already set to " + earlier);
        }
    }

    /**
     * The whole check of a builder's setter for a non-null option kept in a nullable field:
     * {@code this.x = setOnce("x", this.x, x);}.
     *
     * @param earlier the field's current value, null when unset
     * @return {@code value}
     * @throws NullPointerException naming the field if value is null
     * @throws IllegalStateException "{@code field} was already set to {@code earlier}"
     */
    public static <T> T setOnce(String field, T earlier, T value) {
        requireNonNull(value, field);
        checkOnce(field, earlier);
        return value;
    }

    /**
     * For an option with a default value and a flag that says whether it was set.
     *
     * @throws IllegalStateException "{@code field} was already set to {@code earlier}"
     */
    public static void checkOnce(String field, boolean alreadySet, Object earlier) {
        if (alreadySet) {
            throw new IllegalStateException(field + " was already set to " + earlier);
        }
    }

    /**
     * @return {@code value}
     * @throws IllegalArgumentException "{@code field} must be in min..max, was value"
     */
    public static int checkRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /**
     * @return {@code value}
     * @throws NullPointerException naming the field if value is null
     * @throws IllegalArgumentException "{@code field} must be in min..max, was value"
     */
    public static Duration checkRange(String field, Duration value, Duration min, Duration max) {
        requireNonNull(value, field);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /**
     * For a range the docs write in their own words ("1 s..1 h", "0 ms..1 min"): the message
     * quotes {@code range} as given.
     *
     * @return {@code value}
     * @throws NullPointerException naming the field if value is null
     * @throws IllegalArgumentException "{@code field} must be in {@code range}, was value"
     */
    public static Duration checkRange(String field, Duration value, Duration min, Duration max,
            String range) {
        requireNonNull(value, field);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " must be in " + range + ", was " + value);
        }
        return value;
    }

    /**
     * For a closed range of doubles; NaN is out of every range.
     *
     * @param range the range as the docs write it, "0..0.5"
     * @return {@code value}
     * @throws IllegalArgumentException "{@code field} must be in {@code range}, was value"
     */
    public static double checkRange(String field, double value, double min, double max,
            String range) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + " must be in " + range + ", was " + value);
        }
        return value;
    }

    /**
     * The whole check of a builder's setter for a duration kept in a nullable field, set once
     * and in range: {@code this.x = setOnce("x", this.x, x, MIN, MAX, "1 ms..1 h")}.
     *
     * @param range the range as the docs write it; the message quotes it as given
     * @return {@code value}
     * @throws NullPointerException naming the field if value is null
     * @throws IllegalStateException "{@code field} was already set to {@code earlier}"
     * @throws IllegalArgumentException "{@code field} must be in {@code range}, was value"
     */
    public static Duration setOnce(String field, Duration earlier, Duration value, Duration min,
            Duration max, String range) {
        requireNonNull(value, field);
        checkOnce(field, earlier);
        return checkRange(field, value, min, max, range);
    }

    /**
     * The options a builder has set, for builders whose options all have default values, so
     * that each setter's body is one validated assignment:
     * {@code rise = set.range("rise", rise, n, 1, 100);}. Each method checks in the same order:
     * not null, not set before ({@link IllegalStateException} naming the earlier value), in range
     * ({@link IllegalArgumentException} naming the field and the range); a value rejected does not
     * count as set, so the caller may correct it. Not thread-safe: confined to its builder.
     */
    public static final class SetOnce {
        private final Set<String> set = new HashSet<>();

        /**
         * Records that {@code field} is being set.
         *
         * @param earlier its current value, for the message
         * @throws IllegalStateException if it was set before
         */
        public void check(String field, Object earlier) {
            checkOnce(field, !set.add(field), earlier);
        }

        /** Whether {@code field} was set, for options that exclude each other. */
        public boolean isSet(String field) {
            return set.contains(field);
        }

        /**
         * A non-null option with no range.
         *
         * @return {@code value}
         */
        public <T> T value(String field, T earlier, T value) {
            requireNonNull(value, field);
            return mark(field, earlier, value);
        }

        /** @return {@code value}, checked as {@link Preconditions#checkRange(String, int, int, int)} */
        public int range(String field, int earlier, int value, int min, int max) {
            checkUnset(field, earlier);
            return mark(field, earlier, checkRange(field, value, min, max));
        }

        /**
         * @return {@code value}, checked as
         *     {@link Preconditions#checkRange(String, Duration, Duration, Duration)}
         */
        public Duration range(String field, Duration earlier, Duration value, Duration min,
                Duration max) {
            requireNonNull(value, field);
            checkUnset(field, earlier);
            return mark(field, earlier, checkRange(field, value, min, max));
        }

        /**
         * @return {@code value}, checked as
         *     {@link Preconditions#checkRange(String, Duration, Duration, Duration, String)}
         */
        public Duration range(String field, Duration earlier, Duration value, Duration min,
                Duration max, String range) {
            requireNonNull(value, field);
            checkUnset(field, earlier);
            return mark(field, earlier, checkRange(field, value, min, max, range));
        }

        /**
         * @return {@code value}, checked as
         *     {@link Preconditions#checkRange(String, double, double, double, String)}
         */
        public double range(String field, double earlier, double value, double min, double max,
                String range) {
            checkUnset(field, earlier);
            return mark(field, earlier, checkRange(field, value, min, max, range));
        }

        /**
         * Two durations set together as one option ({@code backoff(base, max)}): not null, the
         * option not set before, {@code max} in {@code maxFloor..maxCeiling} (the message quotes
         * {@code maxRange}), then the lower bound in 0..max; recorded as set once both passed.
         *
         * @param field the option, "backoff"; the messages name "backoff max" and
         *     "backoff {@code lowName}"
         * @param earlier the option's current value, for the message
         * @return {@code low}
         */
        public Duration bounds(String field, Object earlier, String lowName, Duration low,
                Duration max, Duration maxFloor, Duration maxCeiling, String maxRange) {
            requireNonNull(low, lowName);
            requireNonNull(max, "max");
            checkUnset(field, earlier);
            checkRange(field + " max", max, maxFloor, maxCeiling, maxRange);
            checkRange(field + " " + lowName, low, Duration.ZERO, max, "0 ms..max (" + max + ")");
            check(field, earlier);
            return low;
        }

        /**
         * Checks that {@code field} was not set, without recording it: for an option of several
         * values, checked before them and recorded by {@link #check} once they all passed.
         *
         * @param earlier its current value, for the message
         * @throws IllegalStateException if it was set before
         */
        public void checkUnset(String field, Object earlier) {
            checkOnce(field, set.contains(field), earlier);
        }

        /** Records a value that passed its checks: one rejected does not count as set. */
        private <T> T mark(String field, Object earlier, T value) {
            check(field, earlier);
            return value;
        }
    }
}
