package io.lbkit.grpc;

import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.lbkit.strategy.Strategy;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed JSON config of the {@code lbkit} policy. Immutable and thread-safe.
 *
 * <p>The reference (fields, defaults, ranges) is in {@code docs/grpc.md}; the defaults are
 * documented on the constants below.
 */
final class PolicyConfig {

    /** Default strategy: {@code least_request}, the core's default (power of two choices). */
    static final String DEFAULT_STRATEGY = "least_request";

    /**
     * Status codes that count against the endpoint by default: the ones a client sees when the
     * server or the connection to it is in trouble. Application errors (NOT_FOUND,
     * INVALID_ARGUMENT, PERMISSION_DENIED, ...) are answers from a working server and count as
     * successes; CANCELLED (the caller gave up) counts as neither.
     */
    static final Set<Status.Code> DEFAULT_FAILURE_CODES = EnumSet.of(Status.Code.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL, Status.Code.UNKNOWN,
            Status.Code.DATA_LOSS);

    static final String STRATEGY = "strategy";
    static final String CHOICE_COUNT = "choiceCount";
    static final String DECAY_TIME = "decayTime";
    static final String FAILURE_STATUS_CODES = "failureStatusCodes";
    private static final List<String> FIELDS =
            List.of(STRATEGY, CHOICE_COUNT, DECAY_TIME, FAILURE_STATUS_CODES);

    /** The strategies by their config name. */
    private static final Map<String, Strategy> STRATEGIES;

    static {
        Map<String, Strategy> m = new LinkedHashMap<>();
        m.put("round_robin", Strategy.roundRobin());
        m.put("weighted_round_robin", Strategy.weightedRoundRobin());
        m.put("random", Strategy.random());
        m.put("weighted_random", Strategy.weightedRandom());
        m.put("least_request", Strategy.leastRequest());
        m.put("peak_ewma", Strategy.peakEwma());
        STRATEGIES = java.util.Collections.unmodifiableMap(m);
    }

    static final PolicyConfig DEFAULT = new PolicyConfig(Map.of(), DEFAULT_STRATEGY,
            Strategy.leastRequest(), DEFAULT_FAILURE_CODES);

    /** The JSON this was parsed from: equal JSON means an equal config. */
    private final Map<String, ?> source;
    private final String strategyName;
    private final Strategy strategy;
    private final boolean[] failureCodes; // indexed by Status.Code.value()
    private final Set<Status.Code> failureCodeSet;

    private PolicyConfig(Map<String, ?> source, String strategyName, Strategy strategy,
            Set<Status.Code> failureCodes) {
        this.source = source;
        this.strategyName = strategyName;
        this.strategy = strategy;
        this.failureCodeSet = Set.copyOf(failureCodes);
        this.failureCodes = new boolean[Status.Code.values().length];
        for (Status.Code c : failureCodes) {
            this.failureCodes[c.value()] = true;
        }
    }

    Strategy strategy() {
        return strategy;
    }

    /** Whether a call closed with this code counts as a failure of the endpoint. */
    boolean isFailure(Status.Code code) {
        return failureCodes[code.value()];
    }

    Set<Status.Code> failureCodes() {
        return failureCodeSet;
    }

    /**
     * Parses the policy's JSON object (as grpc hands it: maps, lists, strings, doubles,
     * booleans).
     *
     * @return the config, or an UNAVAILABLE status (grpc's convention for a rejected policy
     *     config) whose description names the field and what it accepts
     */
    static ConfigOrError parse(Map<String, ?> json) {
        try {
            return ConfigOrError.fromConfig(parseOrThrow(json));
        } catch (IllegalArgumentException e) {
            return ConfigOrError.fromError(Status.UNAVAILABLE
                    .withDescription("invalid lbkit load-balancing config: " + e.getMessage())
                    .withCause(e));
        }
    }

    static PolicyConfig parseOrThrow(Map<String, ?> json) {
        if (json == null || json.isEmpty()) {
            return DEFAULT;
        }
        for (String key : json.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown field \"" + key + "\"; the fields are " + FIELDS);
            }
        }
        String name = DEFAULT_STRATEGY;
        Object s = json.get(STRATEGY);
        if (s != null) {
            if (!(s instanceof String) || !STRATEGIES.containsKey(s)) {
                throw new IllegalArgumentException("\"" + STRATEGY + "\" must be one of "
                        + STRATEGIES.keySet() + ", was " + describe(s));
            }
            name = (String) s;
        }
        Strategy strategy = STRATEGIES.get(name);

        Object choices = json.get(CHOICE_COUNT);
        if (choices != null) {
            requireStrategy(name, CHOICE_COUNT, "least_request");
            int n = integer(CHOICE_COUNT, choices);
            strategy = withField(CHOICE_COUNT, () -> Strategy.leastRequest(n));
        }
        Object decay = json.get(DECAY_TIME);
        if (decay != null) {
            requireStrategy(name, DECAY_TIME, "peak_ewma");
            Duration d = duration(DECAY_TIME, decay);
            strategy = withField(DECAY_TIME, () -> Strategy.peakEwma(d));
        }

        Set<Status.Code> failureCodes = DEFAULT_FAILURE_CODES;
        Object codes = json.get(FAILURE_STATUS_CODES);
        if (codes != null) {
            failureCodes = statusCodes(codes);
        }
        return new PolicyConfig(json, name, strategy, failureCodes);
    }

    private static void requireStrategy(String actual, String field, String required) {
        if (!actual.equals(required)) {
            throw new IllegalArgumentException("\"" + field + "\" applies to strategy \""
                    + required + "\" only, but the strategy is \"" + actual + "\"");
        }
    }

    private static Strategy withField(String field, java.util.function.Supplier<Strategy> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + field + "\": " + e.getMessage(), e);
        }
    }

    private static int integer(String field, Object v) {
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(
                "\"" + field + "\" must be a whole number, was " + describe(v));
    }

    /**
     * A duration in the protobuf JSON form grpc service configs use: decimal seconds with an
     * {@code s} suffix ({@code "10s"}, {@code "0.25s"}).
     */
    static Duration duration(String field, Object v) {
        if (v instanceof String) {
            String text = (String) v;
            if (text.endsWith("s") && text.length() > 1) {
                try {
                    BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
                    if (seconds.signum() >= 0 && seconds.scale() <= 9) {
                        return Duration.ofSeconds(
                                seconds.setScale(0, java.math.RoundingMode.DOWN).longValueExact(),
                                seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    // falls through to the message below
                }
            }
        }
        throw new IllegalArgumentException("\"" + field
                + "\" must be a duration in seconds such as \"10s\" or \"0.5s\", was "
                + describe(v));
    }

    private static Set<Status.Code> statusCodes(Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("\"" + FAILURE_STATUS_CODES
                    + "\" must be a list of status code names, was " + describe(v));
        }
        List<String> known = new ArrayList<>();
        for (Status.Code c : Status.Code.values()) {
            known.add(c.name());
        }
        Set<Status.Code> out = EnumSet.noneOf(Status.Code.class);
        for (Object o : (List<?>) v) {
            if (!(o instanceof String) || !known.contains(o) || "OK".equals(o)) {
                throw new IllegalArgumentException("\"" + FAILURE_STATUS_CODES
                        + "\" entries must be status code names other than OK ("
                        + String.join(", ", known.subList(1, known.size())) + "), was "
                        + describe(o));
            }
            out.add(Status.Code.valueOf((String) o));
        }
        return out;
    }

    private static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PolicyConfig)) {
            return false;
        }
        return source.equals(((PolicyConfig) o).source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return "lbkit{strategy=" + strategyName + " " + strategy + ", failureStatusCodes=" + failureCodeSet + "}";
    }
}
