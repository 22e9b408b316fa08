package io.lbkit.httpclient;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Passes a response body to the caller's subscriber and reports the attempt when the body ends:
 * completed or cancelled by the reader (the status decides), or failed (a failure). Follows the
 * Flow contract of the subscriber it wraps.
 */
final class ReportingSubscriber<T> implements BodySubscriber<T> {

    private final BodySubscriber<T> downstream;
    private final BalancedCall<?>.Attempt attempt;
    private final boolean failedStatus;

    ReportingSubscriber(BodySubscriber<T> downstream, BalancedCall<?>.Attempt attempt,
            boolean failedStatus) {
        this.downstream = downstream;
        this.attempt = attempt;
        this.failedStatus = failedStatus;
    }

    @Override
    public CompletionStage<T> getBody() {
        return downstream.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        downstream.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                subscription.request(n);
            }

            @Override
            public void cancel() {
                attempt.outcome(failedStatus);
                subscription.cancel();
            }
        });
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        downstream.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
        attempt.failure();
        downstream.onError(throwable);
    }

    @Override
    public void onComplete() {
        attempt.outcome(failedStatus);
        downstream.onComplete();
    }
}
