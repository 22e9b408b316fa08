package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

/**
 * The set-once rule of this package's builders ({@link BalancedHttpClient.Builder},
 * {@link HttpHealthProbe.Builder}): an option given a second time fails, naming its earlier value.
 */
final class SetOnce {

    private SetOnce() {
    }

    /** @throws IllegalStateException if {@code earlier} (the option's current value) is set */
    static void check(String field, Object earlier) {
        if (earlier != null) {
            throw new IllegalStateException(field + " was already set to " + earlier);
        }
    }

    /**
     * {@code value}, to store in the option {@code field}, after checking it is given and the
     * option is not set yet.
     *
     * @throws NullPointerException naming {@code field} if {@code value} is null
     * @throws IllegalStateException if {@code earlier} is set
     */
    static <V> V set(String field, V earlier, V value) {
        requireNonNull(value, field);
        check(field, earlier);
        return value;
    }
}
