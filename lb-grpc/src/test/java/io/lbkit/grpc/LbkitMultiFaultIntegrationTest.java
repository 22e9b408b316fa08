package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several servers failing at once behind the {@code lbkit} policy (issue 13 item 6, the gRPC half):
 * 5 grpc-java Netty servers; at one moment one is killed, one hangs past the calls' deadline and
 * one answers every call {@code UNAVAILABLE}; 20,000 idempotent calls with a 1 s deadline, 128 in
 * flight at a time,
 * then the killed server comes back.
 *
 * <p>The calls are idempotent and the channel has grpc's {@code retryPolicy} for
 * {@code UNAVAILABLE} (what docs/grpc.md recommends for idempotent methods): the killed server's
 * and the failing server's calls are retried by grpc, and lbkit picks anew for each attempt. A
 * call that meets the hanging server cannot be retried, because grpc's deadline is the whole
 * call's (grpc-java parses {@code perAttemptRecvTimeout} but does not enforce it): it fails with
 * {@code DEADLINE_EXCEEDED}, which counts against the server for outlier detection. So what the
 * policy must achieve is to stop sending calls to the hanging server once it has been seen to
 * fail: the failures are bounded to the detection window.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LbkitMultiFaultIntegrationTest {

    /**
     * 1 s: the HTTP half's 500 ms request timeout doubled, because this machine is shared (a
     * cold JIT and a load average of 20 on 2 cores made 500 ms calls time out without a fault).
     */
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final int CALLS = 20_000;
    private static final int IN_FLIGHT = 128;

    @RegisterExtension
    final TestResources resources = new TestResources();

    private static Map<String, ?> serviceConfig() {
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("lbkit", Map.of())), // every default
                "methodConfig", List.of(Map.of(
                        "name", List.of(Map.of("service", "test.Echo")),
                        "retryPolicy", Map.of(
                                "maxAttempts", 5.0,
                                "initialBackoff", "0.01s",
                                "maxBackoff", "0.1s",
                                "backoffMultiplier", 2.0,
                                "retryableStatusCodes", List.of("UNAVAILABLE")))));
    }

    /** What one run of calls saw. */
    private static final class Run {
        final long[] latencyNanos;
        final long[] startNanos;
        final Status.Code[] codes;

        Run(int n) {
            latencyNanos = new long[n];
            startNanos = new long[n];
            codes = new Status.Code[n];
        }

        Map<Status.Code, Integer> failures() {
            Map<Status.Code, Integer> m = new EnumMap<>(Status.Code.class);
            for (Status.Code c : codes) {
                if (c != Status.Code.OK) {
                    m.merge(c, 1, Integer::sum);
                }
            }
            return m;
        }

        int failuresStartedAfter(long nanos) {
            int n = 0;
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] != Status.Code.OK && startNanos[i] - nanos >= 0) {
                    n++;
                }
            }
            return n;
        }

        long percentileMillis(double p) {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            return TimeUnit.NANOSECONDS.toMillis(
                    sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]);
        }
    }

    /**
     * {@code n} calls, at most {@link #IN_FLIGHT} at a time; {@code halfway} runs once when half
     * of them have been started.
     */
    private static Run run(ManagedChannel ch, int n, Runnable halfway) throws InterruptedException {
        Run run = new Run(n);
        Semaphore slots = new Semaphore(IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            if (i == n / 2) {
                halfway.run();
            }
            slots.acquire();
            int call = i;
            long start = System.nanoTime();
            run.startNanos[call] = start;
            ClientCall<String, String> c = ch.newCall(EchoServers.WHO, CallOptions.DEFAULT
                    .withDeadlineAfter(DEADLINE.toNanos(), TimeUnit.NANOSECONDS));
            ClientCalls.asyncUnaryCall(c, "who", new StreamObserver<>() {
                @Override
                public void onNext(String value) {}

                @Override
                public void onError(Throwable t) {
                    finish(Status.fromThrowable(t).getCode());
                }

                @Override
                public void onCompleted() {
                    finish(Status.Code.OK);
                }

                private void finish(Status.Code code) {
                    run.latencyNanos[call] = System.nanoTime() - start;
                    run.codes[call] = code;
                    slots.release();
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "every call completed");
        return run;
    }

    @Test
    void killedHangingAndFailingServersAtOnce_retriedCallsSucceedAndTheKilledOneComesBack()
            throws Exception {
        EchoServers s = resources.servers(5);
        ManagedChannel ch = Grpc.newChannelBuilder(s.staticTarget(),
                        InsecureChannelCredentials.create())
                .defaultServiceConfig(serviceConfig())
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        EchoServers.Backend killed = s.get(0);
        EchoServers.Backend hanging = s.get(1);
        EchoServers.Backend failing = s.get(2);

        EchoServers.await("connections to every server", Duration.ofSeconds(20), () -> {
            EchoServers.call(ch, Duration.ofSeconds(10));
            return s.all().stream().allMatch(b -> b.calls.get() > 0);
        });
        // Warm up (JIT, connections) until a run of 1,000 calls has no failure.
        Map<Status.Code, Integer> warm = Map.of(Status.Code.UNKNOWN, -1);
        for (int i = 0; i < 5 && !warm.isEmpty(); i++) {
            warm = run(ch, 1_000, () -> {}).failures();
        }
        assertEquals(Map.of(), warm, "the last warm-up run, before any fault");
        assertTrue(s.all().stream().allMatch(b -> b.calls.get() > 0), "every server was called");

        // At once: hang past the deadline, fail every call, kill.
        hanging.delay = Duration.ofSeconds(10);
        failing.failWith = Status.UNAVAILABLE.withDescription("failing on purpose");
        long faultAt = System.nanoTime();
        killed.stop();
        s.resetCounts();
        int[] atHalf = new int[5];
        Run faults = run(ch, CALLS, () -> {
            for (int i = 0; i < 5; i++) {
                atHalf[i] = s.get(i).calls.get();
            }
        });
        int[] secondHalf = new int[5];
        for (int i = 0; i < 5; i++) {
            secondHalf[i] = s.get(i).calls.get() - atHalf[i];
        }
        Map<Status.Code, Integer> failures = faults.failures();
        long detectionEnd = faultAt + TimeUnit.SECONDS.toNanos(2);
        System.out.printf("multi-fault: %d calls, failures %s (%d started over 2 s after the"
                        + " faults), p50 %d ms, p99 %d ms, max %d ms; calls per server in the second"
                        + " half %s%n", CALLS, failures, faults.failuresStartedAfter(detectionEnd),
                faults.percentileMillis(0.50), faults.percentileMillis(0.99),
                faults.percentileMillis(1.0), Arrays.toString(secondHalf));

        // grpc's retries cover the killed and the failing server: no call fails UNAVAILABLE.
        assertEquals(Map.of(), failuresOtherThan(failures, Status.Code.DEADLINE_EXCEEDED),
                "only calls that met the hanging server may fail");
        assertTrue(faults.percentileMillis(0.99) <= 2 * DEADLINE.toMillis(),
                "p99 " + faults.percentileMillis(0.99) + " ms");
        assertEquals(0, killed.calls.get(), "the killed server");
        assertTrue(secondHalf[3] > 0 && secondHalf[4] > 0, "the healthy servers carried calls");

        // Recovery: the hanging and the failing server answer again, the killed one restarts on
        // its port; resetConnectBackoff() (see docs/grpc.md) makes grpc reconnect to it now
        // instead of at its next back-off attempt.
        hanging.delay = Duration.ZERO;
        failing.failWith = null;
        killed.restart();
        ch.resetConnectBackoff();
        AtomicLong back = new AtomicLong();
        long restartedAt = System.nanoTime();
        EchoServers.await("calls to the restarted server", Duration.ofSeconds(20), () -> {
            try {
                EchoServers.call(ch, Duration.ofSeconds(5));
            } catch (io.grpc.StatusRuntimeException e) {
                // a call that was already on its way to a server before the recovery
            }
            if (killed.calls.get() > 0) {
                back.set(System.nanoTime() - restartedAt);
                return true;
            }
            return false;
        });
        System.out.printf("multi-fault: the restarted server got its first call %d ms after"
                + " resetConnectBackoff()%n", TimeUnit.NANOSECONDS.toMillis(back.get()));
        assertTrue(ch.getState(false) == ConnectivityState.READY);
    }

    private static Map<Status.Code, Integer> failuresOtherThan(Map<Status.Code, Integer> all,
            Status.Code allowed) {
        Map<Status.Code, Integer> m = new EnumMap<>(Status.Code.class);
        m.putAll(all);
        m.remove(allowed);
        return m;
    }
}
