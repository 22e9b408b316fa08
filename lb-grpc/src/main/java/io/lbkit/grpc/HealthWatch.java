package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows one READY subchannel's {@code grpc.health.v1} status through the server-streaming
 * {@code Health/Watch} call, the way grpc's own client-side health checking does (gRFC A17).
 * Not thread-safe: confined to the channel's {@link SynchronizationContext}; the stream's
 * callbacks hop into it.
 *
 * <p>The server sends its status when the stream opens and again at every change, so a server
 * that turns {@code NOT_SERVING} is out of the policy's READY set as soon as that message
 * arrives, with no polling interval in between. Verdicts:
 * <ul>
 *   <li>{@link Verdict#UNKNOWN}: no answer yet; the endpoint waits (grpc's CONNECTING).
 *   <li>{@link Verdict#SERVING} / {@link Verdict#NOT_SERVING}: the last status. Any status but
 *       {@code SERVING}, a malformed message, and a stream that closed count as not serving.
 *   <li>{@link Verdict#POLLED}: the server answered {@code UNIMPLEMENTED} (it has no
 *       {@code Watch}, only {@code Check}, or no health service at all): its health is left to
 *       the balancer's active check, which polls {@code Health/Check}. The next connection to
 *       the server tries {@code Watch} again (a restart may bring a newer server).
 * </ul>
 *
 * <p>A stream that closes with another status is reopened: at once when it had delivered an
 * answer (the server went through a normal restart of its health service), else after grpc's
 * connection back-off ({@link Backoff}: 1 s growing to 120 s), which is reset by every answer.
 * {@link #stop()} cancels the open stream and the pending retry: the policy calls it when the
 * subchannel leaves READY or goes away, when the health config changes and when the policy shuts
 * down, so no stream outlives its use (an open stream would also keep a gracefully shut-down
 * transport alive).
 */
final class HealthWatch {

    /** What the watch knows about the server's health. */
    enum Verdict { UNKNOWN, SERVING, NOT_SERVING, POLLED }

    private static final System.Logger LOG = System.getLogger(HealthWatch.class.getName());

    private final Subchannel subchannel;
    private final String address;
    private final String service;
    private final byte[] request;
    private final SynchronizationContext sync;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final Runnable onChange;

    private boolean running;
    /** The open stream, or null. */
    private ClientCall<byte[], byte[]> call;
    /** Whether {@link #call} has delivered an answer. */
    private boolean answered;
    /** The pending reopening, or null. */
    private SynchronizationContext.ScheduledHandle retry;
    private Verdict verdict = Verdict.UNKNOWN;
    /** Why the verdict is NOT_SERVING; null otherwise. */
    private Status reason;
    private boolean warnedUnimplemented;

    /**
     * @param subchannel the subchannel to watch; the stream runs on it, outside balancing
     * @param address the endpoint's address, for messages
     * @param service the service to ask about; {@code ""} for the server as a whole
     * @param sync the channel's synchronization context
     * @param scheduler grpc's scheduler, for retries
     * @param backoff the retry delays
     * @param onChange run in {@code sync} after every change of {@link #verdict()}
     */
    HealthWatch(Subchannel subchannel, String address, String service,
            SynchronizationContext sync, ScheduledExecutorService scheduler, Backoff backoff,
            Runnable onChange) {
        this.subchannel = requireNonNull(subchannel, "subchannel");
        this.address = requireNonNull(address, "address");
        this.service = requireNonNull(service, "service");
        this.request = HealthProtocol.encodeRequest(service);
        this.sync = requireNonNull(sync, "sync");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.backoff = requireNonNull(backoff, "backoff");
        this.onChange = requireNonNull(onChange, "onChange");
    }

    /** Opens the stream: the subchannel is READY. The verdict is UNKNOWN until the first answer. */
    void start() {
        if (running) {
            return;
        }
        running = true;
        verdict = Verdict.UNKNOWN;
        reason = null;
        backoff.reset();
        open();
    }

    /**
     * Cancels the stream and any pending retry; the verdict is UNKNOWN again. Does not call
     * {@code onChange}: the caller is changing the subchannel's state itself.
     */
    void stop() {
        if (!running) {
            return;
        }
        running = false;
        if (call != null) {
            ClientCall<byte[], byte[]> c = call;
            call = null;
            c.cancel("the lbkit policy stopped watching " + address, null);
        }
        if (retry != null) {
            retry.cancel();
            retry = null;
        }
        verdict = Verdict.UNKNOWN;
        reason = null;
    }

    Verdict verdict() {
        return verdict;
    }

    /** Why the server is not serving (UNAVAILABLE, with the answer or the stream's status). */
    Status reason() {
        return reason == null ? Status.UNAVAILABLE.withDescription("no health answer yet") : reason;
    }

    /** Whether a stream is open; for tests. */
    boolean streaming() {
        return call != null;
    }

    private void open() {
        retry = null;
        ClientCall<byte[], byte[]> c = subchannel.asChannel().newCall(HealthProtocol.WATCH,
                CallOptions.DEFAULT);
        call = c;
        answered = false;
        c.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                sync.execute(() -> onAnswer(c, message));
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                sync.execute(() -> onClosed(c, status));
            }
        }, new Metadata());
        c.sendMessage(request);
        c.halfClose();
        c.request(1);
    }

    private void onAnswer(ClientCall<byte[], byte[]> c, byte[] message) {
        if (c != call) {
            return; // a cancelled stream's last message
        }
        answered = true;
        backoff.reset();
        c.request(1);
        long status = HealthProtocol.servingStatus(message);
        if (status == HealthProtocol.SERVING) {
            reason = null;
            change(Verdict.SERVING);
        } else {
            reason = Status.UNAVAILABLE.withDescription(address + ": grpc.health.v1 Watch of \""
                    + service + "\" answered " + HealthProtocol.statusName(status));
            change(Verdict.NOT_SERVING);
        }
    }

    private void onClosed(ClientCall<byte[], byte[]> c, Status status) {
        if (c != call) {
            return; // cancelled by stop(), or replaced
        }
        call = null;
        if (status.getCode() == Status.Code.UNIMPLEMENTED) {
            if (!warnedUnimplemented) {
                warnedUnimplemented = true;
                LOG.log(Level.WARNING, address + " does not implement grpc.health.v1 Watch ("
                        + status.getDescription() + "); polling Health/Check instead");
            }
            reason = null;
            change(Verdict.POLLED);
            return;
        }
        reason = Status.UNAVAILABLE.withDescription(address + ": the grpc.health.v1 Watch stream of \""
                + service + "\" closed with " + status.getCode()
                + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"))
                .withCause(status.getCause());
        long delay = answered ? 0 : backoff.nextDelayNanos();
        LOG.log(Level.DEBUG, () -> reason.getDescription() + "; reopening in "
                + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        if (delay == 0) {
            retry = null;
            sync.execute(this::reopen);
        } else {
            retry = sync.schedule(this::reopen, delay, TimeUnit.NANOSECONDS, scheduler);
        }
        change(Verdict.NOT_SERVING);
    }

    private void reopen() {
        if (running && call == null) {
            open();
        }
    }

    private void change(Verdict v) {
        if (verdict != v) {
            verdict = v;
            onChange.run();
        }
    }

    @Override
    public String toString() {
        return "HealthWatch[" + address + " \"" + service + "\": " + verdict + "]";
    }
}
