package io.lbkit.httpclient;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * A request body that may be sent more than once: the original publisher while nobody has read
 * it, then a copy captured while the first attempt sent it. Thread-safe: the fields are volatile;
 * attempts of one call run one after another.
 */
/*
 * Implementation notes.
 *
 * A publisher the failed attempt never subscribed to is as good as new: it is handed to the next
 * attempt (wrapped again). Once subscribed, only a complete capture can stand in for it. Each
 * subscription captures on its own, so a subscription started by the JDK itself (a 307 redirect)
 * does not mix its bytes with an earlier one; the last one to complete wins, which is the
 * complete body either way. Capture copies each buffer in onNext before passing it on, so the
 * copy never depends on what the downstream does with the buffer afterwards.
 */
final class ReplayableBody {

    private final BodyPublisher original;
    private final int limit;
    private volatile boolean subscribed;
    private volatile byte[] captured; // the complete body, once one subscription completed

    private ReplayableBody(BodyPublisher original, int limit) {
        this.original = original;
        this.limit = limit;
    }

    /** A replayable view of the request's body; null when the request has none. */
    static ReplayableBody of(Optional<BodyPublisher> publisher, int limit) {
        return publisher.map(p -> new ReplayableBody(p, limit)).orElse(null);
    }

    /** Whether {@link #next()} can give a body to send. */
    boolean replayable() {
        return !subscribed || captured != null || original.contentLength() == 0;
    }

    /**
     * Whether {@link #next()} gives a copy, not the original: the body was captured whole, or is
     * empty. A hedge, which runs beside the attempt that reads the original, needs a copy.
     */
    boolean copied() {
        return captured != null || original.contentLength() == 0;
    }

    /** The publisher for the next attempt; call only when {@link #replayable()}. */
    BodyPublisher next() {
        byte[] bytes = captured;
        if (bytes != null) {
            return BodyPublishers.ofByteArray(bytes);
        }
        if (original.contentLength() == 0) {
            return original; // an empty body (noBody()) has nothing to lose
        }
        return new Tee();
    }

    /** Passes the original through, noting the subscription and capturing what flows by. */
    private final class Tee implements BodyPublisher {

        @Override
        public long contentLength() {
            return original.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscribed = true;
            long length = original.contentLength();
            boolean capture = length <= limit; // unknown length (-1): try, up to the limit
            original.subscribe(new Capture(subscriber, capture));
        }
    }

    private final class Capture implements Flow.Subscriber<ByteBuffer> {
        private final Flow.Subscriber<? super ByteBuffer> downstream;
        private ByteArrayOutputStream bytes; // null once capture is off; onNext calls are serial

        Capture(Flow.Subscriber<? super ByteBuffer> downstream, boolean capture) {
            this.downstream = downstream;
            this.bytes = capture ? new ByteArrayOutputStream() : null;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            downstream.onSubscribe(subscription);
        }

        @Override
        public void onNext(ByteBuffer item) {
            ByteArrayOutputStream b = bytes;
            if (b != null) {
                int n = item.remaining();
                if (b.size() + (long) n > limit) {
                    bytes = null;
                } else {
                    ByteBuffer view = item.duplicate();
                    byte[] chunk = new byte[n];
                    view.get(chunk);
                    b.write(chunk, 0, n);
                }
            }
            downstream.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            bytes = null;
            downstream.onError(throwable);
        }

        @Override
        public void onComplete() {
            ByteArrayOutputStream b = bytes;
            if (b != null) {
                captured = b.toByteArray();
            }
            downstream.onComplete();
        }
    }
}
