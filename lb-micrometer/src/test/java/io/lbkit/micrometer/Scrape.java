package io.lbkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Prometheus text exposition (format 0.0.4) parsed as a scrape reads it: one sample per line,
 * {@code name{label="value",...} value}, comments skipped.
 */
final class Scrape {

    record Sample(String name, Map<String, String> labels, double value) {}

    final List<Sample> samples = new ArrayList<>();

    Scrape(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parse(line));
        }
    }

    private static Sample parse(String line) {
        int brace = line.indexOf('{');
        int space;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace < 0) {
            space = line.indexOf(' ');
            name = line.substring(0, space);
        } else {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("bad label in " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            space = i + 1;
        }
        String rest = line.substring(space).trim();
        int end = rest.indexOf(' ');
        String value = end < 0 ? rest : rest.substring(0, end); // a timestamp may follow
        return new Sample(name, labels, Double.parseDouble(value));
    }

    /**
     * The one sample named {@code name} whose labels include all of {@code labels} (key, value,
     * key, value, ...).
     */
    double value(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s, labels)) {
                found.add(s);
            }
        }
        assertTrue(found.size() == 1, "expected one sample " + name + " " + List.of(labels)
                + ", found " + found);
        return found.get(0).value;
    }

    /** Whether some sample is named {@code name}. */
    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name.equals(name));
    }

    private static boolean matches(Sample s, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
