package io.lbkit.grpc;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Reading the JSON maps grpc hands a load-balancing policy (maps, lists, strings, numbers,
 * booleans): typed field access whose errors name the JSON path and what the field accepts, and
 * durations in the protobuf JSON form service configs use ({@code "10s"}). Stateless.
 */
final class ConfigJson {

    private ConfigJson() {}

    static void checkFields(String at, Map<String, ?> m, List<String> known) {
        for (String key : m.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown field \""
                        + (at.isEmpty() ? key : at + "." + key) + "\"; the fields"
                        + (at.isEmpty() ? "" : " of \"" + at + "\"") + " are " + known);
            }
        }
    }


    /**
     * Runs a core setter or build, prefixing its range message with the JSON path. The core
     * prints durations as {@link Duration#toString()} does ({@code PT0.01S}); the message shows
     * them as the config writes them ({@code "0.01s"}).
     */
    static <T> T checked(String path, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + path + "\": "
                    + configDurations(e.getMessage()), e);
        }
    }

    /** Java's ISO-8601 durations, as the core's messages print them: {@code PT1H}, {@code PT0.01S}. */
    private static final java.util.regex.Pattern ISO_DURATION = java.util.regex.Pattern.compile(
            "\\bPT(?:\\d+H)?(?:\\d+M)?(?:\\d+(?:\\.\\d+)?S)?\\b");

    /** {@code text} with every ISO-8601 duration written as a config duration. */
    static String configDurations(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = ISO_DURATION.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String iso = m.group();
            String replacement = iso;
            if (iso.length() > 2) {
                try {
                    replacement = configDuration(Duration.parse(iso));
                } catch (java.time.format.DateTimeParseException e) {
                    // not a duration after all: left as it is
                }
            }
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(sb).toString();
    }

    /** A duration in the config's form: decimal seconds and {@code s}, {@code "0.25s"}. */
    static String configDuration(Duration d) {
        return new BigDecimal(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9))
                .stripTrailingZeros().toPlainString() + "s";
    }

    static void intField(String at, Map<String, ?> m, String key, IntConsumer setter) {
        field(at, m, key, ConfigJson::integer, setter::accept);
    }

    static void durationField(String at, Map<String, ?> m, String key,
            Consumer<Duration> setter) {
        field(at, m, key, ConfigJson::duration, setter);
    }

    /**
     * Hands field {@code key} of the object at {@code at}, when present, to {@code setter}, read
     * by {@code read}; a value either rejects fails naming the field's path.
     */
    private static <V> void field(String at, Map<String, ?> m, String key,
            BiFunction<String, Object, V> read, Consumer<V> setter) {
        if (m.containsKey(key)) {
            String path = at + "." + key;
            V value = read.apply(path, m.get(key));
            checked(path, () -> {
                setter.accept(value);
                return null;
            });
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, ?> object(String path, Object v) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be a JSON object, was " + describe(v));
        }
        return (Map<String, ?>) v;
    }

    static boolean bool(String path, Object v) {
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be true or false, was " + describe(v));
        }
        return (Boolean) v;
    }

    static String string(String path, Object v) {
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be a string, was " + describe(v));
        }
        return (String) v;
    }

    static int integer(String path, Object v) {
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(
                "\"" + path + "\" must be a whole number, was " + describe(v));
    }

    /**
     * A duration in the protobuf JSON form grpc service configs use: decimal seconds with an
     * {@code s} suffix ({@code "10s"}, {@code "0.25s"}).
     */
    static Duration duration(String path, Object v) {
        if (v instanceof String) {
            String text = (String) v;
            if (text.endsWith("s") && text.length() > 1) {
                try {
                    BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
                    if (seconds.signum() >= 0 && seconds.scale() <= 9) {
                        return Duration.ofSeconds(
                                seconds.setScale(0, RoundingMode.DOWN).longValueExact(),
                                seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    // falls through to the message below
                }
            }
        }
        throw new IllegalArgumentException("\"" + path
                + "\" must be a duration in seconds such as \"10s\" or \"0.5s\", was "
                + describe(v));
    }


    static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }
}
