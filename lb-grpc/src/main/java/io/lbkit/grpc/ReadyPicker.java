package io.lbkit.grpc;

import io.grpc.ClientStreamTracer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.Ticker;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Picks a READY subchannel with the lbkit balancer and reports each call's outcome back to it.
 * Immutable and thread-safe; grpc calls {@link #pickSubchannel} from any thread.
 */
/*
 * Implementation notes.
 *
 * The lbkit pick is lock-free and allocation-free; grpc's side of a pick allocates a PickResult
 * in any policy, and this one adds one Outcome (the stream tracer factory, which carries the
 * Pick and the start time) and, once the stream starts, one tracer.
 *
 * The lbkit Pick counts the call in flight at pick time and must be reported exactly once.
 * grpc creates the stream tracer when it starts the stream on the picked subchannel and closes
 * it exactly once; Outcome additionally guards the report with a CAS so that a second tracer
 * (grpc never makes one from a single pick result today) cannot report twice. When grpc drops a
 * pick without starting a stream - the subchannel's transport went away between the picker's
 * publication and the pick - nothing is reported; that subchannel is leaving READY, which
 * removes its address from the balancer, and its state (the stray in-flight count with it)
 * goes with it.
 *
 * A call made through LbkitGrpc.avoidPreviousEndpoints() carries a PreviousAttempts in its call
 * options: each pick records its endpoint there (a lock-free array write), and a pick made while
 * the record is not empty (grpc's retried and hedged attempts, which carry the
 * grpc-previous-rpc-attempts header, and re-picks) avoids the recorded endpoints. A call without
 * it costs one scan of its call options' custom options.
 */
final class ReadyPicker extends SubchannelPicker {

    private final io.lbkit.LoadBalancer balancer;
    private final Map<String, Subchannel> subchannels; // by Endpoint.address()
    private final PolicyConfig config;
    private final Ticker ticker;

    ReadyPicker(io.lbkit.LoadBalancer balancer, Map<String, Subchannel> subchannels,
            PolicyConfig config, Ticker ticker) {
        this.balancer = balancer;
        this.subchannels = subchannels;
        this.config = config;
        this.ticker = ticker;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
        return pickWith(balancer, args, subchannels, config, ticker);
    }

    /**
     * Picks with {@code balancer} and maps the pick to one of {@code subchannels}, with the
     * call's hash key if it has one. Shared with {@link SplitPicker}, which passes a route's
     * balancer or the split.
     */
    static PickResult pickWith(io.lbkit.LoadBalancer balancer, PickSubchannelArgs args,
            Map<String, Subchannel> subchannels, PolicyConfig config, Ticker ticker) {
        Pick pick;
        PreviousAttempts previous = args.getCallOptions().getOption(PreviousAttempts.KEY);
        try {
            pick = previous != null && !previous.isEmpty()
                    ? previous.pickAvoiding(balancer) // a retried or hedged attempt, or a re-pick
                    : pick(balancer, args, config);
        } catch (NoEndpointAvailableException e) {
            if (e.reason() == NoEndpointAvailableException.Reason.EMPTY
                    || e.reason() == NoEndpointAvailableException.Reason.CLOSED) {
                // Only while the next picker is being published (see LbkitLoadBalancer).
                return PickResult.withNoResult();
            }
            Status status = Status.UNAVAILABLE.withDescription(e.getMessage());
            if (e.reason() == NoEndpointAvailableException.Reason.AT_CAPACITY) {
                // Load shedding: fail even wait-for-ready calls now. A call that waited would
                // wait for a new picker, and capacity freed by finished calls publishes none.
                return PickResult.withDrop(status);
            }
            // NONE_ELIGIBLE (all ejected, down or open-circuit, panic routing off): fail fast;
            // wait-for-ready calls wait for the picker of the next health change.
            return PickResult.withError(status);
        }
        Subchannel sc = subchannels.get(pick.endpoint().address());
        if (sc == null) {
            pick.release(); // drawn from a newer table than this picker's: wait for the newer picker
            return PickResult.withNoResult();
        }
        if (previous != null) {
            previous.record(pick.endpoint().address());
        }
        return PickResult.withSubchannel(sc, new Outcome(pick, config, ticker, ticker.read()));
    }

    /**
     * Picks with the call's hash key: {@link LbkitGrpc#HASH_KEY} from the call options, else
     * the configured header, else none (hash strategies then pick at random).
     */
    private static Pick pick(io.lbkit.LoadBalancer balancer, PickSubchannelArgs args,
            PolicyConfig config) {
        CharSequence key = args.getCallOptions().getOption(LbkitGrpc.HASH_KEY);
        if (key != null) {
            return balancer.pick(key);
        }
        Metadata.Key<String> header = config.hashHeader();
        if (header != null) {
            String value = args.getHeaders().get(header);
            if (value != null) {
                return balancer.pick(value);
            }
        }
        Metadata.Key<byte[]> binaryHeader = config.hashBinaryHeader();
        if (binaryHeader != null) {
            byte[] value = args.getHeaders().get(binaryHeader);
            if (value != null) {
                return balancer.pick(value);
            }
        }
        return balancer.pick();
    }

    /** The lbkit balancer this picker picks with; for tests. */
    io.lbkit.LoadBalancer balancer() {
        return balancer;
    }

    @Override
    public String toString() {
        return "ReadyPicker[" + subchannels.keySet() + ", " + config + "]";
    }

    /**
     * Reports one call's outcome and latency to its {@link Pick}, once. Thread-safe: grpc may
     * close the stream on any thread.
     */
    static final class Outcome extends ClientStreamTracer.Factory {

        private static final AtomicIntegerFieldUpdater<Outcome> REPORTED =
                AtomicIntegerFieldUpdater.newUpdater(Outcome.class, "reported");

        private final Pick pick;
        private final PolicyConfig config;
        private final Ticker ticker;
        private final long startNanos;
        private volatile int reported; // 0, then 1 once reported

        Outcome(Pick pick, PolicyConfig config, Ticker ticker, long startNanos) {
            this.pick = pick;
            this.config = config;
            this.ticker = ticker;
            this.startNanos = startNanos;
        }

        @Override
        public ClientStreamTracer newClientStreamTracer(
                ClientStreamTracer.StreamInfo info, Metadata headers) {
            return new ClientStreamTracer() {
                @Override
                public void streamClosed(Status status) {
                    report(status);
                }
            };
        }

        /**
         * OK and application errors: success; a configured failure code: failure; CANCELLED
         * otherwise (the caller gave up): neither, the in-flight slot is just freed.
         */
        void report(Status status) {
            if (!REPORTED.compareAndSet(this, 0, 1)) {
                return;
            }
            long latency = ticker.read() - startNanos;
            Status.Code code = status.getCode();
            if (config.isFailure(code)) {
                pick.onFailure(latency);
            } else if (code == Status.Code.CANCELLED) {
                pick.release();
            } else {
                pick.onSuccess(latency);
            }
        }
    }
}
