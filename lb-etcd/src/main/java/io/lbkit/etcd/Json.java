package io.lbkit.etcd;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The few pieces of etcd's JSON gateway encoding lb-etcd needs: base64 keys and values, int64
 * numbers written as strings, prefix range ends, and quoting of untrusted text for messages.
 */
final class Json {

    /** Quoted input longer than this is cut in messages: a value can be megabytes. */
    static final int MAX_QUOTED = 120;

    private Json() {}

    /**
     * Parses one JSON object.
     *
     * @throws IllegalArgumentException if the text is not a JSON object
     */
    static JsonObject object(String text) {
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException | StackOverflowError x) {
            throw new IllegalArgumentException("not JSON (" + x.getClass().getSimpleName() + ")");
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return e.getAsJsonObject();
    }

    static String base64(String s) {
        return base64(s.getBytes(StandardCharsets.UTF_8));
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /** The decoded text of a base64 member, "" when absent (proto3 omits empty bytes). */
    static String text(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return "";
        }
        return new String(Base64.getDecoder().decode(e.getAsString()), StandardCharsets.UTF_8);
    }

    /** An int64 member (the gateway writes them as strings), 0 when absent. */
    static long int64(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return 0;
        }
        return e.getAsLong();
    }

    /** A member as a JSON object, or an empty object when absent. */
    static JsonObject child(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    static boolean bool(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsBoolean();
    }

    /** The range end that makes a range or watch cover every key starting with {@code prefix}. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = Arrays.copyOf(prefix, prefix.length);
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[] {0}; // all 0xff: every key from prefix on
    }

    /** A JSON string of an int64, as the gateway expects them. */
    static JsonPrimitive int64(long v) {
        return new JsonPrimitive(Long.toString(v));
    }

    /**
     * Untrusted text for a log line or message: in double quotes, control and non-ASCII
     * characters escaped, cut after {@value #MAX_QUOTED} characters with the remainder counted.
     */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 24).append('"');
        int n = Math.min(s.length(), MAX_QUOTED);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
        if (s.length() > n) {
            sb.append("...(").append(s.length() - n).append(" more chars)");
        }
        return sb.toString();
    }
}
