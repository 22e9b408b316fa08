package io.lbkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** One collection of an InMemoryMetricReader, looked up by instrument name and attributes. */
final class Metrics {

    final Collection<MetricData> data;

    Metrics(Collection<MetricData> data) {
        this.data = data;
    }

    MetricData metric(String name) {
        List<MetricData> found = data.stream().filter(m -> m.getName().equals(name)).toList();
        assertEquals(1, found.size(), "instruments named " + name + " in " + names());
        return found.get(0);
    }

    List<String> names() {
        return data.stream().map(MetricData::getName).sorted().toList();
    }

    /** The one point of {@code name} whose attributes include {@code attributes}. */
    <P extends PointData> P point(String name, Attributes attributes) {
        List<PointData> found = new ArrayList<>();
        for (PointData p : metric(name).getData().getPoints()) {
            if (includes(p.getAttributes(), attributes)) {
                found.add(p);
            }
        }
        assertEquals(1, found.size(), "points of " + name + " with " + attributes + ": " + found);
        @SuppressWarnings("unchecked")
        P p = (P) found.get(0);
        return p;
    }

    long longValue(String name, Attributes attributes) {
        return this.<LongPointData>point(name, attributes).getValue();
    }

    double doubleValue(String name, Attributes attributes) {
        return this.<DoublePointData>point(name, attributes).getValue();
    }

    HistogramPointData histogram(String name, Attributes attributes) {
        return point(name, attributes);
    }

    /** The one point of {@code name} whose attributes are exactly {@code attributes}. */
    <P extends PointData> P exactPoint(String name, Attributes attributes) {
        List<PointData> found = new ArrayList<>();
        for (PointData p : metric(name).getData().getPoints()) {
            if (p.getAttributes().equals(attributes)) {
                found.add(p);
            }
        }
        assertEquals(1, found.size(), "points of " + name + " with exactly " + attributes + " in "
                + metric(name).getData().getPoints());
        @SuppressWarnings("unchecked")
        P p = (P) found.get(0);
        return p;
    }

    private static boolean includes(Attributes all, Attributes some) {
        for (var e : some.asMap().entrySet()) {
            @SuppressWarnings("unchecked")
            AttributeKey<Object> k = (AttributeKey<Object>) e.getKey();
            if (!e.getValue().equals(all.get(k))) {
                return false;
            }
        }
        return true;
    }
}
