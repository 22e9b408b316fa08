package io.lbkit;

import java.util.List;

/** An endpoint group that never changes. Thread-safe. */
final class StaticEndpointGroup extends AbstractEndpointGroup {

    StaticEndpointGroup(List<Endpoint> endpoints) {
        update(endpoints);
    }

    @Override
    public String toString() {
        return "EndpointGroup.of" + endpoints();
    }
}
