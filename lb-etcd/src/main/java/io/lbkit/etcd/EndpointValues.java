package io.lbkit.etcd;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.lbkit.Endpoint;
import java.util.Map;

/**
 * The values of endpoint keys: reads the formats lb-etcd understands and writes its own. Stateless.
 *
 * <p>Read: (1) etcd's naming API, as written by Go's {@code endpoints.Manager} and the older
 * {@code clientv3/naming} resolver: {@code {"Op":0,"Addr":"10.0.0.1:8080","Metadata":...}};
 * (2) lbkit's form, the same object with optional lbkit members {@code weight}, {@code zone},
 * {@code region} and {@code priority} (Go's JSON decoding ignores them, so a grpc-go client reads
 * lbkit registrations too); (3) a bare {@code host:port}. {@code Metadata}, when an object,
 * becomes the endpoint's attributes (strings as they are, other values as JSON text); any other
 * non-null {@code Metadata} becomes the attribute {@code metadata}. Member names are matched
 * exactly except {@code Op}, {@code Addr} and {@code Metadata}, which are matched ignoring case,
 * as Go's decoder does.
 */
final class EndpointValues {

    /** The attribute that marks an endpoint that is draining; the group leaves it out. */
    static final String DRAINING = "draining";

    private EndpointValues() {}

    /** Why a value is not an endpoint. */
    static final class MalformedValueException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedValueException(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The endpoint a value describes.
     *
     * @throws MalformedValueException naming what is wrong with the value
     */
    static Endpoint parse(String value) throws MalformedValueException {
        String v = value.strip();
        if (v.isEmpty()) {
            throw new MalformedValueException("the value is empty");
        }
        if (!v.startsWith("{")) {
            return address(v, "the value").build();
        }
        JsonObject o;
        try {
            o = Json.object(v);
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException("the value starts with '{' but is " + e.getMessage());
        }
        JsonElement addr = member(o, "Addr");
        if (addr == null || !addr.isJsonPrimitive() || !addr.getAsJsonPrimitive().isString()) {
            throw new MalformedValueException("the JSON value has no string member \"Addr\""
                    + " (host:port)");
        }
        JsonElement op = member(o, "Op");
        if (op != null && !op.isJsonNull()
                && !(op.isJsonPrimitive() && op.getAsJsonPrimitive().isNumber())) {
            throw new MalformedValueException("\"Op\" must be a number, was " + op);
        }
        Endpoint.Builder b = address(addr.getAsString(), "\"Addr\"");
        try {
            if (o.has("weight")) {
                b.weight(integer(o, "weight"));
            }
            if (o.has("priority")) {
                b.priority(integer(o, "priority"));
            }
            if (o.has("zone")) {
                b.zone(string(o, "zone"));
            }
            if (o.has("region")) {
                b.region(string(o, "region"));
            }
            JsonElement md = member(o, "Metadata");
            if (md != null && md.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : md.getAsJsonObject().entrySet()) {
                    JsonElement x = e.getValue();
                    if (x.isJsonNull()) {
                        continue;
                    }
                    b.attribute(e.getKey(), x.isJsonPrimitive() && x.getAsJsonPrimitive().isString()
                            ? x.getAsString() : x.toString());
                }
            } else if (md != null && !md.isJsonNull()) {
                b.attribute("metadata", md.isJsonPrimitive() && md.getAsJsonPrimitive().isString()
                        ? md.getAsString() : md.toString());
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new MalformedValueException(e.getMessage());
        }
        return b.build();
    }

    /** The value lb-etcd registers for {@code endpoint}: the naming-API object plus lbkit members. */
    static String encode(Endpoint endpoint, boolean draining) {
        JsonObject o = new JsonObject();
        o.addProperty("Op", 0);
        o.addProperty("Addr", endpoint.address());
        Map<String, String> attributes = endpoint.attributes();
        if (attributes.isEmpty() && !draining) {
            o.add("Metadata", JsonNull.INSTANCE);
        } else {
            JsonObject md = new JsonObject();
            attributes.forEach(md::addProperty);
            if (draining) {
                md.addProperty(DRAINING, "true");
            }
            o.add("Metadata", md);
        }
        if (endpoint.weight() != 1) {
            o.addProperty("weight", endpoint.weight());
        }
        endpoint.zone().ifPresent(z -> o.addProperty("zone", z));
        endpoint.region().ifPresent(r -> o.addProperty("region", r));
        if (endpoint.priority() != 0) {
            o.addProperty("priority", endpoint.priority());
        }
        return o.toString();
    }

    /** Whether the endpoint carries the draining mark. */
    static boolean isDraining(Endpoint e) {
        return "true".equals(e.attributes().get(DRAINING));
    }

    /** A member by exact name, else by name ignoring case (as Go's encoding/json matches). */
    private static JsonElement member(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e != null) {
            return e;
        }
        for (Map.Entry<String, JsonElement> m : o.entrySet()) {
            if (m.getKey().equalsIgnoreCase(name)) {
                return m.getValue();
            }
        }
        return null;
    }

    private static Endpoint.Builder address(String hostPort, String what)
            throws MalformedValueException {
        String s = hostPort.strip();
        if (s.contains("://")) {
            throw new MalformedValueException(what + " must be host:port, without a scheme; was "
                    + Json.quote(hostPort));
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new MalformedValueException(what + " must be host:port ([v6]:port for IPv6),"
                        + " was " + Json.quote(hostPort));
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new MalformedValueException(what + " must be host:port, was "
                        + Json.quote(hostPort) + " (no port)");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new MalformedValueException(what + " must put an IPv6 address in brackets"
                        + " ([v6]:port), was " + Json.quote(hostPort));
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new MalformedValueException(what + " has a port that is not a number: "
                    + Json.quote(hostPort));
        }
        try {
            return Endpoint.builder(host, p);
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException(what + " " + Json.quote(hostPort) + ": "
                    + e.getMessage());
        }
    }

    private static int integer(JsonObject o, String name) throws MalformedValueException {
        JsonElement e = o.get(name);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) < 1e9) {
                return (int) d;
            }
        }
        throw new MalformedValueException("\"" + name + "\" must be an integer, was "
                + Json.quote(e.toString()));
    }

    private static String string(JsonObject o, String name) throws MalformedValueException {
        JsonElement e = o.get(name);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        throw new MalformedValueException("\"" + name + "\" must be a string, was "
                + Json.quote(e.toString()));
    }
}
