package io.lbkit.grpc;

import static io.lbkit.grpc.ConfigJson.bool;
import static io.lbkit.grpc.ConfigJson.checkFields;
import static io.lbkit.grpc.ConfigJson.checked;
import static io.lbkit.grpc.ConfigJson.describe;
import static io.lbkit.grpc.ConfigJson.duration;
import static io.lbkit.grpc.ConfigJson.durationField;
import static io.lbkit.grpc.ConfigJson.intField;
import static io.lbkit.grpc.ConfigJson.integer;
import static io.lbkit.grpc.ConfigJson.object;
import static io.lbkit.grpc.ConfigJson.string;

import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Parses the {@code lbkit} policy's JSON config into a {@link PolicyConfig}: the top-level
 * fields and strategy parameters, and the {@code outlierDetection}, {@code circuitBreaker},
 * {@code slowStart} and {@code healthCheck} sections ({@code split} is {@link SplitConfig}'s).
 * The core's own builders validate the values, so ranges and messages are the core's. Stateless.
 */
final class PolicyConfigParser {

    /** {@code Strategy.ringHash()}'s bounds, for a config that gives only one of them. */
    private static final int DEFAULT_MIN_RING_SIZE = 131_072;
    private static final int MAX_RING_SIZE = 8_388_608;


    private static final List<String> FIELDS = List.of("strategy", "choiceCount", "decayTime",
            "minRingSize", "maxRingSize", "tableSize", "balanceFactor", "hashHeader",
            "failureStatusCodes", "outlierDetection", "circuitBreaker", "slowStart",
            "panicThreshold", "maxRequestsPerEndpoint", "localZone", "healthCheck", "split");

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
        m.put("ring_hash", Strategy.ringHash());
        m.put("maglev", Strategy.maglev());
        m.put("bounded_load", Strategy.boundedLoad());
        m.put("rendezvous", Strategy.rendezvous());
        STRATEGIES = Collections.unmodifiableMap(m);
    }

    /** The strategies that use a call's hash key. */
    private static final Set<String> HASH_STRATEGIES =
            Set.of("ring_hash", "maglev", "bounded_load", "rendezvous");

    private PolicyConfigParser() {}

    /**
     * @throws IllegalArgumentException naming the JSON path of the first bad field and what it
     *     accepts
     */
    static PolicyConfig parse(Map<String, ?> json) {
        Map<String, ?> m = json == null ? Map.of() : json;
        checkFields("", m, FIELDS);
        String name = PolicyConfig.DEFAULT_STRATEGY;
        Object s = m.get("strategy");
        if (s != null) {
            if (!(s instanceof String) || !STRATEGIES.containsKey(s)) {
                throw new IllegalArgumentException("\"strategy\" must be one of "
                        + STRATEGIES.keySet() + ", was " + describe(s));
            }
            name = (String) s;
        }
        Strategy strategy = STRATEGIES.get(name);
        if (m.containsKey("choiceCount")) {
            requireStrategy(name, "choiceCount", "least_request");
            int n = integer("choiceCount", m.get("choiceCount"));
            strategy = checked("choiceCount", () -> Strategy.leastRequest(n));
        }
        if (m.containsKey("decayTime")) {
            requireStrategy(name, "decayTime", "peak_ewma");
            Duration d = duration("decayTime", m.get("decayTime"));
            strategy = checked("decayTime", () -> Strategy.peakEwma(d));
        }
        if (m.containsKey("minRingSize") || m.containsKey("maxRingSize")) {
            String field = m.containsKey("minRingSize") ? "minRingSize" : "maxRingSize";
            requireStrategy(name, field, "ring_hash");
            // A bound left out keeps the core's default (Strategy.ringHash()): 131,072 points
            // minimum for balance, 8,388,608 maximum.
            int min = m.containsKey("minRingSize") ? integer("minRingSize", m.get("minRingSize"))
                    : DEFAULT_MIN_RING_SIZE;
            int max = m.containsKey("maxRingSize") ? integer("maxRingSize", m.get("maxRingSize"))
                    : MAX_RING_SIZE;
            // the path of the bound at fault: the core checks the minimum first
            String at = min < 1 || min > MAX_RING_SIZE ? "minRingSize" : "maxRingSize";
            strategy = checked(at, () -> Strategy.ringHash(min, max));
        }
        if (m.containsKey("tableSize")) {
            requireStrategy(name, "tableSize", "maglev");
            int n = integer("tableSize", m.get("tableSize"));
            strategy = checked("tableSize", () -> Strategy.maglev(n));
        }
        if (m.containsKey("balanceFactor")) {
            requireStrategy(name, "balanceFactor", "bounded_load");
            Object f = m.get("balanceFactor");
            if (!(f instanceof Number)) {
                throw new IllegalArgumentException(
                        "\"balanceFactor\" must be a number, was " + describe(f));
            }
            double c = ((Number) f).doubleValue();
            strategy = checked("balanceFactor", () -> Strategy.boundedLoad(c));
        }
        SplitConfig split = m.containsKey("split") ? SplitConfig.parse(m.get("split")) : null;
        String hashHeader = null;
        if (m.containsKey("hashHeader")) {
            // With a split the key also keeps a caller on one side of it, whatever the strategy.
            if (!HASH_STRATEGIES.contains(name) && split == null) {
                throw new IllegalArgumentException("\"hashHeader\" applies to the hash strategies "
                        + HASH_STRATEGIES + " or with \"split\" only, but the strategy is \""
                        + name + "\" and there is no \"split\"");
            }
            hashHeader = string("hashHeader", m.get("hashHeader"));
            String h = hashHeader;
            checked("hashHeader", () -> h.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                    ? Metadata.Key.of(h, Metadata.BINARY_BYTE_MARSHALLER)
                    : Metadata.Key.of(h, Metadata.ASCII_STRING_MARSHALLER));
        }

        Set<Status.Code> failureCodes = PolicyConfig.DEFAULT_FAILURE_CODES;
        if (m.containsKey("failureStatusCodes")) {
            failureCodes = statusCodes(m.get("failureStatusCodes"));
        }

        BalancerOptions options = new BalancerOptions();
        options.add(m, "outlierDetection", (path, v) -> outlierDetection(v),
                LoadBalancer.Builder::outlierDetection);
        options.add(m, "circuitBreaker", (path, v) -> circuitBreaker(v),
                LoadBalancer.Builder::circuitBreaker);
        options.add(m, "slowStart", (path, v) -> slowStart(v), LoadBalancer.Builder::slowStart);
        options.add(m, "panicThreshold", ConfigJson::integer, LoadBalancer.Builder::panicThreshold);
        options.add(m, "maxRequestsPerEndpoint", ConfigJson::integer,
                LoadBalancer.Builder::maxRequestsPerEndpoint);
        options.add(m, "localZone", ConfigJson::string, LoadBalancer.Builder::localZone);
        HealthSettings health = null;
        if (m.containsKey("healthCheck")) {
            health = healthCheck(m.get("healthCheck"));
        }
        return new PolicyConfig(m, name, strategy, failureCodes, options.list, health,
                hashHeader, split);
    }

    /**
     * The top-level options that go to the balancer builder as they are, applied in the order
     * added: each is set at parse time on a builder kept for the purpose, so that the core's own
     * checks (and messages) reject a bad value now, and later on every policy's builder.
     */
    private static final class BalancerOptions {
        private final LoadBalancer.Builder validator = LoadBalancer.builder(EndpointGroup.of());
        final List<Consumer<LoadBalancer.Builder>> list = new ArrayList<>();

        /** Field {@code key} of the config, when present, read by {@code read}. */
        <V> void add(Map<String, ?> m, String key, BiFunction<String, Object, V> read,
                BiConsumer<LoadBalancer.Builder, V> setter) {
            if (m.containsKey(key)) {
                V value = read.apply(key, m.get(key));
                checked(key, () -> {
                    setter.accept(validator, value);
                    return null;
                });
                list.add(b -> setter.accept(b, value));
            }
        }
    }

    // ---- sections ----------------------------------------------------------------------

    private static OutlierDetection outlierDetection(Object v) {
        String at = "outlierDetection";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("enabled", "consecutiveFailures", "interval",
                "baseEjectionTime", "maxEjectionTime", "maxEjectionPercent",
                "successRateStdevFactor", "successRateMinimumHosts", "successRateRequestVolume",
                "failurePercentageThreshold", "failurePercentageMinimumHosts",
                "failurePercentageRequestVolume"));
        if (m.containsKey("enabled") && !bool(at + ".enabled", m.get("enabled"))) {
            if (m.size() > 1) {
                throw new IllegalArgumentException("\"" + at
                        + "\" with \"enabled\": false takes no other field");
            }
            return OutlierDetection.disabled();
        }
        OutlierDetection.Builder b = OutlierDetection.builder();
        intField(at, m, "consecutiveFailures", b::consecutiveFailures);
        durationField(at, m, "interval", b::interval);
        durationField(at, m, "baseEjectionTime", b::baseEjectionTime);
        durationField(at, m, "maxEjectionTime", b::maxEjectionTime);
        intField(at, m, "maxEjectionPercent", b::maxEjectionPercent);
        intField(at, m, "successRateStdevFactor", b::successRateStdevFactor);
        intField(at, m, "successRateMinimumHosts", b::successRateMinimumHosts);
        intField(at, m, "successRateRequestVolume", b::successRateRequestVolume);
        intField(at, m, "failurePercentageThreshold", b::failurePercentageThreshold);
        intField(at, m, "failurePercentageMinimumHosts", b::failurePercentageMinimumHosts);
        intField(at, m, "failurePercentageRequestVolume", b::failurePercentageRequestVolume);
        return checked(at, b::build);
    }

    private static CircuitBreaker circuitBreaker(Object v) {
        String at = "circuitBreaker";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("failureThreshold", "openDuration", "trialCalls"));
        CircuitBreaker.Builder b = CircuitBreaker.builder();
        intField(at, m, "failureThreshold", b::failureThreshold);
        durationField(at, m, "openDuration", b::openDuration);
        intField(at, m, "trialCalls", b::trialCalls);
        return checked(at, b::build);
    }

    private static SlowStart slowStart(Object v) {
        String at = "slowStart";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("window", "aggression", "minWeightPercent"));
        if (!m.containsKey("window")) {
            throw new IllegalArgumentException("\"slowStart.window\" is required, e.g. \"30s\"");
        }
        Duration window = duration(at + ".window", m.get("window"));
        SlowStart.Builder b = checked(at + ".window", () -> SlowStart.builder(window));
        intField(at, m, "aggression", b::aggression);
        intField(at, m, "minWeightPercent", b::minWeightPercent);
        return checked(at, b::build);
    }

    private static HealthSettings healthCheck(Object v) {
        String at = "healthCheck";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("serviceName", "interval", "timeout", "rise", "fall",
                "jitterPercent"));
        String service = m.containsKey("serviceName")
                ? string(at + ".serviceName", m.get("serviceName")) : "";
        HealthSettings h = new HealthSettings(service, probe -> {
            HealthCheck.Builder b = HealthCheck.builder(probe);
            durationField(at, m, "interval", b::interval);
            durationField(at, m, "timeout", b::timeout);
            intField(at, m, "rise", b::rise);
            intField(at, m, "fall", b::fall);
            intField(at, m, "jitterPercent", b::jitterPercent);
            return checked(at, b::build);
        });
        h.build(HealthProbe.constant(true)); // validates every field now, at parse time
        return h;
    }

    private static void requireStrategy(String actual, String field, String required) {
        if (!actual.equals(required)) {
            throw new IllegalArgumentException("\"" + field + "\" applies to strategy \""
                    + required + "\" only, but the strategy is \"" + actual + "\"");
        }
    }

    private static Set<Status.Code> statusCodes(Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("\"failureStatusCodes\" must be a list of status"
                    + " code names, was " + describe(v));
        }
        List<String> known = new ArrayList<>();
        for (Status.Code c : Status.Code.values()) {
            if (c != Status.Code.OK) {
                known.add(c.name());
            }
        }
        Set<Status.Code> out = EnumSet.noneOf(Status.Code.class);
        for (Object o : (List<?>) v) {
            if (!(o instanceof String) || !known.contains(o)) {
                throw new IllegalArgumentException("\"failureStatusCodes\" entries must be status"
                        + " code names other than OK (" + String.join(", ", known) + "), was "
                        + describe(o));
            }
            out.add(Status.Code.valueOf((String) o));
        }
        return out;
    }
}
