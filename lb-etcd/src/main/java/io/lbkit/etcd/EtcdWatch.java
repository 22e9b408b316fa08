package io.lbkit.etcd;

import java.net.URI;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One watch stream of {@link EtcdClient#watch}: the JSON lines etcd sends, passed on to a
 * {@link Listener} until the stream ends or is cancelled. Thread-safe: the HTTP client's threads
 * deliver, any thread may cancel; the listener hears of the end at most once.
 */
final class EtcdWatch implements Flow.Subscriber<String> {

    /** Receives one watch stream's lines and its end. */
    interface Listener {
        void onLine(String line);

        /** The stream ended: {@code error} is null when etcd closed it normally. */
        void onEnd(Throwable error);
    }

    final int memberIndex;
    final URI member;
    private final Listener listener;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    EtcdWatch(int memberIndex, URI member, Listener listener) {
        this.memberIndex = memberIndex;
        this.member = member;
        this.listener = listener;
    }

    /** Stops the stream; nothing more is delivered. Idempotent. */
    void cancel() {
        cancelled = true;
        ended.set(true);
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    void end(Throwable error) {
        if (!cancelled && ended.compareAndSet(false, true)) {
            listener.onEnd(error);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(String line) {
        if (!cancelled && !line.isBlank()) {
            listener.onLine(line);
        }
    }

    @Override
    public void onError(Throwable t) {
        end(t);
    }

    @Override
    public void onComplete() {
        end(null);
    }
}
