package io.lbkit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * An endpoint group the application changes at run time: servers join and leave the pool.
 * Thread-safe; changes are serialised and each publishes one new snapshot. Listeners run after
 * the change, outside the group's locks, so a listener (a health listener, say) may itself add
 * or remove endpoints: its change is delivered once it returns.
 *
 * <p>Endpoints are identified by {@linkplain Endpoint#address() address}: adding an endpoint
 * whose address is present replaces it (a new weight, say) and keeps its place in the list.
 * Create one with {@link EndpointGroup#dynamic(Endpoint...)}.
 */
public final class DynamicEndpointGroup extends AbstractEndpointGroup {

    private final Object writeLock = new Object();

    DynamicEndpointGroup(List<Endpoint> initial) {
        update(initial);
    }

    /**
     * Adds an endpoint, or replaces the one with the same address.
     *
     * @return whether the snapshot changed
     */
    public boolean add(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        return edit(endpoint.address(), (next, i) -> {
            if (i >= 0) {
                next.set(i, endpoint);
            } else {
                next.add(endpoint);
            }
            return true;
        });
    }

    /**
     * Removes the endpoint with this endpoint's address (other fields are ignored).
     *
     * @return whether an endpoint was removed
     */
    public boolean remove(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        return edit(endpoint.address(), (next, i) -> {
            if (i < 0) {
                return false;
            }
            next.remove(i.intValue());
            return true;
        });
    }

    /**
     * Applies {@code change} to a copy of the current endpoints, given the index of
     * {@code address} in it (-1 if absent), and publishes the copy, unless {@code change}
     * returns false (then nothing changes). Returns whether the snapshot changed.
     */
    private boolean edit(String address, BiPredicate<List<Endpoint>, Integer> change) {
        boolean changed;
        synchronized (writeLock) {
            List<Endpoint> next = new ArrayList<>(endpoints());
            if (!change.test(next, indexOf(next, address))) {
                return false;
            }
            changed = publish(next);
        }
        deliverPublished();
        return changed;
    }

    /**
     * Replaces all endpoints.
     *
     * @return whether the snapshot changed
     * @throws IllegalArgumentException if two endpoints share an address; nothing changes then
     */
    public boolean set(Collection<Endpoint> endpoints) {
        boolean changed;
        synchronized (writeLock) {
            changed = publish(endpoints);
        }
        deliverPublished();
        return changed;
    }

    private static int indexOf(List<Endpoint> list, String address) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).address().equals(address)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "DynamicEndpointGroup" + endpoints();
    }
}
