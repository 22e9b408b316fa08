package io.lbkit.etcd;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The argument checks of this package's builders ({@link EtcdClient.Builder},
 * {@link EtcdEndpointGroup.Builder}, {@link EtcdRegistration.Builder}), one place for their
 * messages: an option set twice throws {@link IllegalStateException} naming the earlier value; a
 * duration out of range throws {@link IllegalArgumentException} naming the field and the range.
 * (lb-core's own helper is internal to its module.) Stateless.
 */
final class BuilderChecks {

    private BuilderChecks() {}

    /** @throws IllegalStateException "{@code field} was already set to {@code earlier}" */
    static void checkOnce(String field, Object earlier) {
        if (earlier != null) {
            throw new IllegalStateException(field + " was already set to " + earlier);
        }
    }

    /** A non-null option kept in a nullable field: {@code this.x = setOnce("x", this.x, x)}. */
    static <T> T setOnce(String field, T earlier, T value) {
        requireNonNull(value, field);
        checkOnce(field, earlier);
        return value;
    }

    /**
     * A duration option's whole check: set once, not null, in {@code min..max}.
     *
     * @param range the range as the docs write it, "1 ms..1 h"; the message adds the ISO form
     * @throws IllegalArgumentException "{@code field} must be in 1 ms..1 h (PT0.001S..PT1H), was
     *     {@code value}"
     */
    static Duration duration(String field, Duration earlier, Duration value, Duration min,
            Duration max, String range) {
        checkOnce(field, earlier);
        requireNonNull(value, field);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " must be in " + range + " (" + min + ".."
                    + max + "), was " + value);
        }
        return value;
    }
}
