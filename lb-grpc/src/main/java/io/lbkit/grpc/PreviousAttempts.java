package io.lbkit.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The endpoints one call's attempts went to, so that grpc's retried and hedged attempts of the
 * call go elsewhere. Thread-safe and lock-free: the picks of a call's hedged attempts may run at
 * once on different threads.
 *
 * <p>grpc-java runs every attempt of a call (its {@code retryPolicy} retries and
 * {@code hedgingPolicy} hedges) through the picker again, with the call's {@link CallOptions}
 * (copied per attempt, custom option values shared) and, from the second attempt on, the
 * {@code grpc-previous-rpc-attempts} header; it does not say where the earlier attempts went. The
 * {@linkplain LbkitGrpc#avoidPreviousEndpoints() interceptor} puts one {@code PreviousAttempts}
 * into each call's options; the picker records each attempt's endpoint in it, and an attempt
 * picked while the record is not empty (one with the header, or any attempt picked again)
 * picks an endpoint not recorded there.
 *
 * <p>The record, not the header, decides: while the channel has no READY picker, grpc queues a
 * call's first attempt and, {@code hedgingDelay} later, its hedge, and picks both when a picker
 * arrives, in either order. Whichever picks second then avoids the other's endpoint; with the
 * header as the rule, a hedge picked first (nothing recorded yet) and its first attempt picked
 * second (no header) could share an endpoint.
 */
/*
 * Implementation notes.
 *
 * A fixed ring of SLOTS addresses written at an index taken with getAndIncrement: two racing
 * records take different slots. grpc caps a call at 5 attempts, and an attempt picks again only
 * when its subchannel left READY between pick and stream start, so 8 slots keep every endpoint of
 * a call's attempts in practice; past 8 the oldest are overwritten, which only weakens the
 * avoidance. A reader may miss an address recorded at the same instant by a racing hedge; the two
 * attempts may then share an endpoint, as without this class. Recording allocates nothing; the
 * holder itself is allocated once per call, by the interceptor.
 */
final class PreviousAttempts {

    static final CallOptions.Key<PreviousAttempts> KEY =
            CallOptions.Key.create("io.lbkit.previousAttempts");

    /** Set by grpc-java's RetriableStream on every attempt after the first; for tests. */
    static final Metadata.Key<String> PREVIOUS_RPC_ATTEMPTS =
            Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);

    /** Picks one attempt spends looking for an endpoint no earlier attempt used: 16. */
    static final int MAX_RESELECTIONS = 16;

    private static final int SLOTS = 8; // a power of two

    private final AtomicReferenceArray<String> addresses = new AtomicReferenceArray<>(SLOTS);
    private final AtomicInteger next = new AtomicInteger();

    /** Notes that an attempt of the call goes to the endpoint at {@code address}. */
    void record(String address) {
        addresses.set(next.getAndIncrement() & (SLOTS - 1), address);
    }

    /** Whether no attempt of the call has been recorded yet. */
    boolean isEmpty() {
        return next.get() == 0;
    }

    /** Whether an attempt of the call went to {@code address}. */
    boolean contains(String address) {
        for (int i = 0; i < SLOTS; i++) {
            if (address.equals(addresses.get(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A pick for a later attempt: an endpoint no earlier attempt used and not
     * {@linkplain Pick#recentlyFailing() known to be failing}, within
     * {@value #MAX_RESELECTIONS} picks; if none qualifies, the first unused one seen, else the
     * last pick. Hash keys are not followed: the key's endpoint is the one the first attempt used.
     * The same rule as lb-httpclient's retries.
     *
     * @throws NoEndpointAvailableException as {@link io.lbkit.LoadBalancer#pick()}
     */
    Pick pickAvoiding(io.lbkit.LoadBalancer balancer) {
        Pick unusedFailing = null;
        Pick p;
        try {
            p = balancer.pick();
            for (int i = 1; ; i++) {
                boolean unused = !contains(p.endpoint().address());
                if (unused && !p.recentlyFailing()) {
                    break;
                }
                if (i >= MAX_RESELECTIONS) {
                    if (unusedFailing != null) {
                        p.release();
                        p = unusedFailing;
                        unusedFailing = null;
                    }
                    break;
                }
                if (unused && unusedFailing == null) {
                    unusedFailing = p; // held in flight while looking further
                } else {
                    p.release();
                }
                p = balancer.pick();
            }
        } catch (NoEndpointAvailableException e) {
            if (unusedFailing != null) {
                return unusedFailing;
            }
            throw e;
        }
        if (unusedFailing != null) {
            unusedFailing.release();
        }
        return p;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PreviousAttempts[");
        for (int i = 0; i < SLOTS; i++) {
            String a = addresses.get(i);
            if (a != null) {
                sb.append(sb.length() > 17 ? ", " : "").append(a);
            }
        }
        return sb.append(']').toString();
    }

    /** Gives each call a holder of its own; see {@link LbkitGrpc#avoidPreviousEndpoints()}. */
    enum Interceptor implements ClientInterceptor {
        INSTANCE;

        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
                MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
            return next.newCall(method, callOptions.withOption(KEY, new PreviousAttempts()));
        }

        @Override
        public String toString() {
            return "LbkitGrpc.avoidPreviousEndpoints()";
        }
    }
}
