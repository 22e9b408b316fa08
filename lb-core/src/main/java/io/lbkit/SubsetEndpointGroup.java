package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.internal.SerialQueue;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An endpoint group that publishes this client's subset of another group's endpoints, chosen by a
 * {@link Subsetting}. Thread-safe. Create one with
 * {@link EndpointGroup#subset(EndpointGroup, Subsetting)}.
 *
 * <p>It keeps the source's semantics: it is ready when the source is (with the subset of the
 * source's first snapshot); when the source keeps its last good set on an error, so does the
 * subset; a snapshot holds the same {@link Endpoint} objects as the source's, in the source's
 * order, so an address that stays in the subset keeps its state in a {@link LoadBalancer}. A
 * source snapshot that leaves the subset unchanged publishes nothing.
 *
 * <p>Listeners receive every snapshot in order, one at a time, and never under this group's
 * lock: the thread that makes a change (usually the source's delivering thread) delivers it after
 * releasing the lock; if another thread is delivering at that moment, that thread delivers the
 * new snapshot next. So a listener registered while a delivery is under way on another thread
 * receives the current snapshot from that thread, just after this {@link #subscribe} returns,
 * rather than before. A listener that throws, even an {@link Error}, is logged and stops nothing.
 *
 * <p>{@link #stats()} shows the subset's size and members: with subsetting, the connections a
 * client holds are its subset, not the pool.
 */
/*
 * Implementation notes.
 *
 * onSource computes the subset with no lock held (Subsetting.select is a pure function), then
 * takes `lock` to compare it with the current one, publish it to the volatile `current` and
 * queue a delivery task on `deliveries`. Deliveries run outside the lock, on whichever thread
 * drains the queue (SerialQueue, as AbstractEndpointGroup's): one task at a time in queue order,
 * so every listener sees snapshots in order, once each.
 *
 * A subscription is a task too: it adds the listener and hands it `delivered`, the last
 * snapshot the queue delivered (not `current`, which a queued broadcast may not have delivered
 * yet: the listener would then see that snapshot twice). `delivered` is only touched by the
 * draining thread; the queue's hand-off from one draining thread to the next orders those
 * accesses.
 *
 * The source's deliveries to onSource are serialised by the source, so two subsets are never
 * computed for one source at once; if a source delivered concurrently anyway, the lock still
 * orders the publications, and the later one wins.
 */
public final class SubsetEndpointGroup implements EndpointGroup {

    private static final System.Logger LOG = System.getLogger(EndpointGroup.class.getName());

    private final EndpointGroup source;
    private final Subsetting subsetting;
    private final Object lock = new Object();
    private final CopyOnWriteArrayList<Consumer<? super List<Endpoint>>> listeners =
            new CopyOnWriteArrayList<>();
    private final CompletableFuture<List<Endpoint>> ready = new CompletableFuture<>();
    private volatile List<Endpoint> current = List.of();
    private volatile Stats stats;
    /** Queued under lock, drained outside it. */
    private final SerialQueue deliveries = new SerialQueue(LOG, "endpoint listener");
    /** Written under lock; read by deliveries, which deliver nothing once it is set. */
    private volatile boolean closed;
    /** Guarded by lock: a first subset was published. */
    private boolean published;
    /** The last snapshot delivered; confined to the draining thread. */
    private List<Endpoint> delivered;
    private final EndpointGroup.Subscription subscription;

    private SubsetEndpointGroup(EndpointGroup source, Subsetting subsetting) {
        this.source = source;
        this.subsetting = subsetting;
        this.stats = new Stats(subsetting.size(), 0, List.of(), 0, 0, 0);
        this.subscription = source.subscribe(this::onSource);
    }

    static SubsetEndpointGroup of(EndpointGroup source, Subsetting subsetting) {
        requireNonNull(source, "source");
        requireNonNull(subsetting, "subsetting");
        return new SubsetEndpointGroup(source, subsetting);
    }

    /** The subsetting this group applies. */
    public Subsetting subsetting() {
        return subsetting;
    }

    /** The group the endpoints come from. */
    public EndpointGroup source() {
        return source;
    }

    @Override
    public List<Endpoint> endpoints() {
        return current;
    }

    @Override
    public CompletableFuture<List<Endpoint>> whenReady() {
        return ready.copy();
    }

    @Override
    public Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
        requireNonNull(listener, "listener");
        synchronized (lock) {
            if (closed) {
                return () -> { }; // a closed group publishes nothing more
            }
            deliveries.enqueue(() -> {
                listeners.add(listener);
                if (delivered != null) {
                    deliver(listener, delivered);
                }
            });
        }
        deliveries.drain();
        return () -> listeners.remove(listener);
    }

    /**
     * The subset's size and members now, and how often it changed. Consistent: one snapshot's
     * figures.
     */
    public Stats stats() {
        return stats;
    }

    private void onSource(List<Endpoint> snapshot) {
        boolean first;
        List<Endpoint> subset;
        try {
            subset = subsetting.select(snapshot);
        } catch (RuntimeException e) {
            // Groups never publish duplicate addresses, so this is a bug: keep the last good set.
            LOG.log(Level.ERROR, subsetting + " failed on a snapshot of " + source
                    + "; keeping the last subset", e);
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            first = !published;
            published = true;
            if (!first && subset.equals(current)) {
                stats = stats.withSource(snapshot.size());
                return;
            }
            Stats before = stats;
            int added = 0;
            int removed = 0;
            if (!first) {
                Set<String> old = addresses(current);
                Set<String> now = addresses(subset);
                for (String a : now) {
                    if (!old.contains(a)) {
                        added++;
                    }
                }
                for (String a : old) {
                    if (!now.contains(a)) {
                        removed++;
                    }
                }
            }
            boolean membershipChanged = added + removed > 0;
            current = subset;
            stats = new Stats(subsetting.size(), snapshot.size(), subset,
                    before.changes() + (membershipChanged ? 1 : 0), before.added() + added,
                    before.removed() + removed);
            deliveries.enqueue(() -> {
                delivered = subset;
                for (Consumer<? super List<Endpoint>> l : listeners) {
                    deliver(l, subset);
                }
            });
        }
        if (first) {
            ready.complete(subset); // outside the lock: it runs whenReady() dependants
        }
        deliveries.drain();
    }

    private void deliver(Consumer<? super List<Endpoint>> listener, List<Endpoint> snapshot) {
        if (closed) {
            return; // nothing after close(), even what was queued before it
        }
        try {
            listener.accept(snapshot);
        } catch (RuntimeException | Error e) { // even an Error: the next listener still runs
            LOG.log(Level.WARNING, "endpoint listener " + listener + " of " + this + " failed", e);
        }
    }

    private static Set<String> addresses(List<Endpoint> endpoints) {
        Set<String> s = new HashSet<>(endpoints.size() * 2);
        for (Endpoint e : endpoints) {
            s.add(e.address());
        }
        return s;
    }

    /**
     * Stops listening to the source and closes it; listeners receive nothing more, and
     * {@link #whenReady()} fails if it had not completed. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            listeners.clear();
        }
        subscription.close();
        source.close();
        ready.completeExceptionally(new IllegalStateException(this + " was closed"));
    }

    @Override
    public String toString() {
        String of = source.toString();
        if (of.length() > 100) {
            of = of.substring(0, 100) + "...";
        }
        return "SubsetEndpointGroup[" + subsetting + " of " + current.size() + "/"
                + stats.sourceSize() + " endpoints of " + of + "]";
    }

    /**
     * A subset group's state, for dashboards and connection accounting. Immutable.
     *
     * @param targetSize the configured {@link Subsetting#size()}
     * @param sourceSize endpoints in the source's last snapshot
     * @param members the subset now: the endpoints this client connects to
     * @param changes how many published snapshots changed the subset's membership (weight or zone
     *     changes of a member do not count)
     * @param added endpoints that joined the subset since the first snapshot: connections this
     *     client opened because of subsetting changes
     * @param removed endpoints that left the subset since the first snapshot
     */
    public record Stats(int targetSize, int sourceSize, List<Endpoint> members, long changes,
            long added, long removed) {

        /** Copies members. */
        public Stats {
            members = List.copyOf(members);
        }

        /** The subset's size now: {@code members().size()}. */
        public int size() {
            return members.size();
        }

        Stats withSource(int n) {
            return n == sourceSize ? this
                    : new Stats(targetSize, n, members, changes, added, removed);
        }
    }
}
