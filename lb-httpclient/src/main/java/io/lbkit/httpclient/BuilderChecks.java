package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import java.net.http.HttpClient;

/**
 * The checks of this package's builders ({@link BalancedHttpClient.Builder},
 * {@link HttpHealthProbe.Builder}): an option given a second time fails, naming its earlier value;
 * the client they are given is a plain one, not a balanced one.
 */
final class BuilderChecks {

    private BuilderChecks() {
    }

    /**
     * {@code client}, checked to be given and not a {@link BalancedHttpClient}.
     *
     * @param field the parameter's name, for the null message
     * @param whyNot the message when it is balanced
     * @throws IllegalArgumentException with {@code whyNot} if it is balanced
     */
    static HttpClient plainClient(HttpClient client, String field, String whyNot) {
        requireNonNull(client, field);
        if (client instanceof BalancedHttpClient) {
            throw new IllegalArgumentException(whyNot);
        }
        return client;
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
