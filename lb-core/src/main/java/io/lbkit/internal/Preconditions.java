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
     * The options a builder has set, for builders whose options all have default values. Not
     * thread-safe: confined to its builder.
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
    }
}
