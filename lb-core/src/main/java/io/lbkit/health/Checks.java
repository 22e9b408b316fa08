package io.lbkit.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Argument checks shared by the builders of this package; messages name field and range. */
final class Checks {
    private Checks() {}

    static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static Duration range(String field, Duration value, Duration min, Duration max) {
        requireNonNull(value, field);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    field + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static void once(String field, boolean alreadySet, Object earlier) {
        if (alreadySet) {
            throw new IllegalStateException(field + " was already set to " + earlier);
        }
    }
}
