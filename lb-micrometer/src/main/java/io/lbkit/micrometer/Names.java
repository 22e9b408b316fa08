package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Set;

/**
 * The tag keys lbkit's meters set themselves, the check of a user's extra tags, the binders'
 * builders' set-once check, and the binders' check that a registry does not hold their meters.
 */
final class Names {
    static final Set<String> RESERVED =
            Set.of("serviceId", "outcome", "reason", "type", "state", "endpoint", "result");

    private Names() {}

    /**
     * The user's extra tags, checked: none may use a key lbkit sets.
     *
     * @throws IllegalArgumentException naming the first reserved key used
     */
    static Tags userTags(Iterable<Tag> tags) {
        Tags t = Tags.of(requireNonNull(tags, "tags"));
        for (Tag tag : t) {
            if (RESERVED.contains(tag.getKey())) {
                throw new IllegalArgumentException("tags must not use the key '"
                        + tag.getKey() + "', which lbkit sets; reserved: " + RESERVED);
            }
        }
        return t;
    }

    /**
     * A builder option is set at most once.
     *
     * @throws IllegalStateException naming the option and the value it already has
     */
    static void checkUnset(Object current, String option) {
        if (current != null) {
            throw new IllegalStateException(option + " was already set to " + current);
        }
    }

    /**
     * No binder of the same kind is bound to {@code registry} with exactly {@code tags}: its
     * meter {@code meterName} is not there.
     *
     * @param what the kind of binder, as the message names it ("a balancer")
     * @param advice what the message tells the user to do
     * @throws IllegalStateException if one is
     */
    static void checkNotBound(MeterRegistry registry, String meterName, Tags tags, String what,
            String advice) {
        requireNonNull(registry, "registry");
        if (registry.find(meterName).tags(tags).meters().stream()
                .anyMatch(m -> Tags.of(m.getId().getTags()).equals(tags))) {
            throw new IllegalStateException(what + " is already bound to " + registry
                    + " with the tags " + tags + "; " + advice);
        }
    }
}
