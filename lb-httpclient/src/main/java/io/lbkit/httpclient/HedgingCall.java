package io.lbkit.httpclient;

import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.retry.HedgePolicy;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One hedged call: its first attempt, then, each time the {@link HedgePolicy}'s delay passes
 * without an answer, a hedge to another endpoint, paid from the service's retry budget; the first
 * answer wins and the other attempts are cancelled and their picks released. Thread-safe: timers,
 * the JDK's completion threads and the caller's cancellation may act on one call at once.
 *
 * <p>The rules, with the retries (documented on {@link BalancedHttpClient}):
 * <ul>
 * <li>An attempt that answers with anything but a retryable status wins, whatever its status
 *     (a 404 or a non-retryable 500 is the call's answer, and stops hedging).</li>
 * <li>An attempt that fails (an I/O error, a retryable status) while another attempt runs starts
 *     nothing: the running attempt is the call's next chance. Only when the last running attempt
 *     fails does the retry rule apply ({@link BalancedCall#mayRetry}), counting every attempt
 *     started, hedges included, against the retry policy's {@code maxAttempts}. A call thus
 *     makes at most {@code maxAttempts + maxHedges} attempts, and every attempt after the first
 *     was granted by the retry budget.</li>
 * <li>A hedge goes only to an endpoint the call has not tried ({@link BalancedCall#choose}, which
 *     also skips endpoints known to be failing); when there is none, or the body has not been
 *     captured whole yet, no hedge is sent and the budget is not asked.</li>
 * <li>The hedge timer runs from the latest attempt's start; a refused hedge is not asked again
 *     until another attempt (a retry) starts.</li>
 * </ul>
 */
/*
 * Implementation notes.
 *
 * The call's state (running attempts, attempts started, failures, the timer, done) is guarded by
 * this object's monitor, held only for bookkeeping: sending, reporting picks, cancelling the
 * JDK's futures and completing the result all happen after it is released, so no caller's code
 * and no balancer report runs under it. Under it run BalancedCall.choose for hedges and retries
 * (the balancer's lock-free pick and release, no callbacks) and the tried list it reads; the
 * first attempt's choose, which may run the user's StickyKey and RouteSelector, runs before
 * anything else can touch the call, outside the lock.
 *
 * An attempt leaves `running` exactly once: when it completes, when a retryable status is
 * discarded at its headers (BalancedCall.Attempt asks discardRetryable), or when another attempt
 * wins or the caller cancels. The JDK's future of an attempt that left early still completes
 * later; `Running.settled` makes that completion a no-op, or starts the retry decided at its
 * headers. Losers are released before their futures are cancelled, so the cancellation's own
 * failure report (a body subscriber's onError) finds the pick already reported.
 *
 * The timer is a task on one shared scheduler thread that only hands the hedge to the client's
 * executor; it is cancelled (and removed from the queue) when the call ends, so a finished call is
 * not kept reachable until its delay passes. A timer that fires late for an attempt that is no
 * longer the latest finds another generation and does nothing.
 */
/*
 * Why one file of over 400 lines: it is one state machine under one monitor (see the notes
 * above): begin, hedge, onDone, retry and end each read and change the same guarded state, and
 * the rules of what happens outside the lock hold only when all of them are seen together. About
 * 90 lines are its documentation. The attempts themselves are BalancedCall's.
 */
final class HedgingCall<T> {

    private final BalancedHttpClient client;
    private final Service service;
    private final HedgePolicy policy;
    private final HedgePolicy.HedgedCall hedges;
    private final BalancedCall<T> call;
    private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();

    // Guarded by this.
    private final List<Running> running = new ArrayList<>(2);
    private final List<Throwable> failures = new ArrayList<>(2);
    private int started; // attempts started, hedges included
    private int generation; // of the latest attempt, to tell a stale timer
    private Future<?> timer;
    private boolean done;

    HedgingCall(BalancedHttpClient client, Service service,
            HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushHandler) {
        this.client = client;
        this.service = service;
        this.policy = service.hedgePolicy;
        this.hedges = policy.start(service.budget);
        this.call = new BalancedCall<>(client, service, request, handler, pushHandler, this);
    }

    /** Starts the call; the future completes with the winning response or the call's failure. */
    CompletableFuture<HttpResponse<T>> start() {
        service.budget.onRequest();
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                cancelRunning();
            }
        });
        Pick first;
        try {
            first = call.choose(1); // may run the user's StickyKey, RouteSelector: no lock
        } catch (RuntimeException e) { // NoEndpointAvailableException, a throwing selector
            hedges.stop();
            result.completeExceptionally(e);
            return result;
        }
        Running r;
        synchronized (this) {
            r = begin(first);
        }
        send(r);
        return result;
    }

    /** Sends the call and waits for its answer, as {@code HttpClient.send} does. */
    HttpResponse<T> await() throws IOException, InterruptedException {
        start();
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = BalancedCall.unwrap(e);
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IOException(cause);
        }
    }

    /** Counts a started attempt on {@code pick} and arms the hedge timer. Holds the lock. */
    private Running begin(Pick pick) {
        call.tried.add(pick.endpoint().address());
        started++;
        Running r = new Running(call.new Attempt(pick, started));
        running.add(r);
        armTimer();
        return r;
    }

    private void armTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (!hedges.isOpen() || hedges.hedgesSent() >= policy.maxHedges()) {
            return;
        }
        int gen = ++generation;
        Runnable fire = () -> client.retryExecutor.execute(() -> hedge(gen));
        timer = Timer.SCHEDULER.schedule(fire, policy.delayNanos(), TimeUnit.NANOSECONDS);
    }

    /** The hedge timer of generation {@code gen} fired. */
    private void hedge(int gen) {
        Running r;
        synchronized (this) {
            if (done || gen != generation || running.isEmpty() || !call.bodyCopied()) {
                return;
            }
            Pick pick;
            try {
                pick = call.choose(started + 1);
            } catch (NoEndpointAvailableException e) {
                return; // nowhere to hedge to; the running attempts go on
            }
            if (call.tried.contains(pick.endpoint().address()) || !hedges.tryHedge()) {
                pick.release(); // no other endpoint, or the budget says no
                return;
            }
            r = begin(pick);
        }
        send(r);
    }

    /** Sends a begun attempt, outside the lock. */
    private void send(Running r) {
        CompletableFuture<HttpResponse<T>> cf;
        try {
            cf = call.sendAsync(r.attempt, call.rewrite(r.attempt.pick.endpoint()));
        } catch (UnusableAddressException e) {
            onDone(r, null, e); // the endpoint's failure, as a refused connection
            return;
        } catch (RuntimeException e) {
            onDone(r, null, e);
            return;
        }
        boolean late;
        synchronized (this) {
            r.future = cf;
            late = done;
        }
        if (late) {
            cf.cancel(true); // lost, or the caller cancelled, while it was being sent
        }
        cf.whenComplete((response, error) -> onDone(r, response, error));
    }

    /**
     * An attempt's headers carry a retryable status: whether to drop its body and treat it as
     * failed (another attempt runs, or a retry is granted) rather than return it. Called by
     * {@link BalancedCall.Attempt#onHeaders} on the JDK's thread.
     */
    boolean discardRetryable(BalancedCall<T>.Attempt attempt) {
        boolean discard;
        synchronized (this) {
            Running r = find(attempt);
            if (done || r == null) {
                return true; // a loser: nobody reads it, and its pick is released
            }
            if (running.size() > 1) {
                r.settled = Settled.COVERED; // another attempt is the call's next chance
                discard = true;
            } else {
                discard = call.mayRetry(started, false);
                if (discard) {
                    r.settled = Settled.RETRY; // started when its future completes
                }
            }
            if (discard) {
                running.remove(r);
                if (running.isEmpty()) {
                    cancelTimer(); // no hedge during the backoff; the retry arms its own
                }
            }
        }
        if (discard) {
            policy.recordLatency(attempt.latency());
        }
        return discard; // false: the last attempt's answer, returned to the caller
    }

    private Running find(BalancedCall<T>.Attempt attempt) {
        for (Running r : running) {
            if (r.attempt == attempt) {
                return r;
            }
        }
        return null;
    }

    /** What an attempt's completion leads to, decided under the lock and done after it. */
    private enum Next { NOTHING, RELEASE, COVERED, RETRY, WIN, FAIL }

    private void onDone(Running r, HttpResponse<T> response, Throwable error) {
        BalancedCall<T>.Attempt a = r.attempt;
        List<Running> losers = List.of();
        Throwable cause = error == null ? null : BalancedCall.unwrap(error);
        Throwable failWith = null;
        Next next;
        Settled settled;
        synchronized (this) {
            settled = r.settled;
            if (r.settled == Settled.COVERED) {
                next = Next.NOTHING; // reported at its headers; the other attempts decide
            } else if (r.settled == Settled.RETRY) {
                next = done ? Next.NOTHING : Next.RETRY;
            } else if (done) {
                next = Next.RELEASE; // lost, or the caller cancelled
            } else {
                running.remove(r);
                if (cause == null) {
                    next = Next.WIN;
                } else if (!(cause instanceof IOException)) {
                    next = Next.FAIL; // not the endpoint's fault: the call fails with it
                    failWith = cause;
                } else {
                    failures.add(cause);
                    if (!running.isEmpty()) {
                        next = Next.COVERED; // the running attempts decide
                    } else if (call.mayRetry(started, BalancedCall.neverSent(cause))) {
                        next = Next.RETRY;
                        cancelTimer();
                    } else {
                        next = Next.FAIL;
                        failWith = failures.remove(failures.size() - 1);
                    }
                }
                if (next == Next.WIN || next == Next.FAIL) {
                    losers = end();
                }
            }
        }
        switch (next) {
            case NOTHING:
                return;
            case RELEASE:
                a.release();
                if (response != null && response.body() instanceof AutoCloseable) {
                    closeQuietly((AutoCloseable) response.body()); // a loser's streaming body
                }
                return;
            case COVERED:
                a.failure();
                policy.recordLatency(a.latency());
                return;
            case RETRY:
                if (settled == Settled.NO) { // an I/O error; a retryable status reported already
                    a.failure();
                    policy.recordLatency(a.latency());
                }
                retryAfterBackoff();
                return;
            case WIN:
                policy.recordLatency(a.latency());
                cancel(losers);
                a.returned();
                result.complete(response);
                return;
            case FAIL:
                if (cause instanceof IOException) {
                    a.failure();
                    policy.recordLatency(a.latency());
                } else {
                    a.release();
                }
                cancel(losers);
                fail(failWith);
                return;
            default:
                throw new AssertionError(next);
        }
    }

    /** Ends the call: no more attempts or hedges; the running ones to cancel. Holds the lock. */
    private List<Running> end() {
        done = true;
        hedges.finish();
        cancelTimer();
        List<Running> losers = List.copyOf(running);
        running.clear();
        return losers;
    }

    private void cancelTimer() {
        generation++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The caller cancelled the result. */
    private void cancelRunning() {
        List<Running> losers;
        synchronized (this) {
            if (done) {
                return;
            }
            losers = end();
        }
        cancel(losers);
    }

    /**
     * Cancels attempts that lost: their time so far counts as a latency (a lower bound, above the
     * delay), their picks are released, then their futures cancelled. A loser still waiting for
     * its response headers is aborted ({@code cancel(true)}: the JDK closes its HTTP/1.1
     * connection or resets its HTTP/2 stream). One whose headers have arrived is left to finish
     * ({@code cancel(false)}; its body is dropped, a streaming one closed when it completes).
     * Aborting those too made, on JDK 17 under concurrent hedging, another call's request arrive
     * twice at its endpoint: by all appearances the abort of an exchange whose body had just
     * completed closed the connection the JDK had returned to its pool and handed on, and the
     * JDK re-sent the request that was on it.
     */
    private void cancel(List<Running> losers) {
        for (Running l : losers) {
            policy.recordLatency(client.ticker.read() - l.attempt.startNanos);
            l.attempt.release();
            CompletableFuture<?> f;
            synchronized (this) {
                f = l.future;
            }
            if (f != null) {
                f.cancel(!l.attempt.headersReceived());
            }
        }
    }

    private void retryAfterBackoff() {
        int n;
        synchronized (this) {
            n = started + 1;
        }
        long nanos = client.retryPolicy.backoffNanos(n - 1,
                ThreadLocalRandom.current().nextDouble());
        if (nanos <= 0) {
            retry();
        } else {
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, client.retryExecutor)
                    .execute(this::retry);
        }
    }

    private void retry() {
        Running r;
        Throwable failWith = null;
        synchronized (this) {
            if (done) {
                return; // cancelled during the backoff
            }
            try {
                r = begin(call.choose(started + 1));
            } catch (NoEndpointAvailableException e) {
                r = null;
                failWith = failures.isEmpty() ? e : failures.remove(failures.size() - 1);
                if (failWith != e) {
                    failWith.addSuppressed(e);
                }
                end();
            }
        }
        if (r != null) {
            send(r);
        } else {
            fail(failWith);
        }
    }

    /** Fails the call with {@code t}, the earlier attempts' exceptions attached as suppressed. */
    private void fail(Throwable t) {
        List<Throwable> earlier;
        synchronized (this) {
            done = true;
            earlier = List.copyOf(failures);
            failures.clear();
        }
        for (Throwable e : earlier) {
            if (e != t) {
                t.addSuppressed(e);
            }
        }
        result.completeExceptionally(t);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // a loser's body: nobody reads it, and its pick is released already
        }
    }

    /** Why an attempt left {@code running} before its future completed. */
    private enum Settled { NO, COVERED, RETRY }

    /** One attempt of this call and the JDK's future for it. */
    private final class Running {
        final BalancedCall<T>.Attempt attempt;
        CompletableFuture<HttpResponse<T>> future; // guarded by HedgingCall.this; null until sent
        Settled settled = Settled.NO; // guarded by HedgingCall.this

        Running(BalancedCall<T>.Attempt attempt) {
            this.attempt = attempt;
        }
    }

    /** The hedge timers of all calls: one daemon thread that only hands hedges on. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor SCHEDULER = new ScheduledThreadPoolExecutor(1,
                r -> {
                    Thread t = new Thread(r, "lbkit-httpclient-hedge-timer");
                    t.setDaemon(true);
                    return t;
                });

        static {
            SCHEDULER.setRemoveOnCancelPolicy(true);
        }
    }
}
