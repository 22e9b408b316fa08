package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/**
 * The options {@link LoadBalancerMetrics.Builder} and {@link BalancedHttpClientMetrics.Builder}
 * share (extra tags, endpoint tags, latency histogram), each set at most once. Not thread-safe:
 * confined to the builder that holds it; read once, by the binder it builds.
 */
final class MeterOptions {
    private Tags tags;
    private Boolean endpointTags;
    private Boolean latencyHistogram;

    /** @throws IllegalArgumentException naming the first key lbkit sets that {@code tags} uses */
    void tags(Iterable<Tag> tags) {
        requireNonNull(tags, "tags");
        Names.checkUnset(this.tags, "tags");
        this.tags = Names.userTags(tags);
    }

    void endpointTags(boolean on) {
        Names.checkUnset(this.endpointTags, "endpointTags");
        this.endpointTags = on;
    }

    void latencyHistogram(boolean on) {
        Names.checkUnset(this.latencyHistogram, "latencyHistogram");
        this.latencyHistogram = on;
    }

    /** The extra tags; default none. */
    Tags tags() {
        return tags != null ? tags : Tags.empty();
    }

    /** Default false. */
    boolean endpointTags() {
        return endpointTags != null && endpointTags;
    }

    /** Default false. */
    boolean latencyHistogram() {
        return latencyHistogram != null && latencyHistogram;
    }
}
