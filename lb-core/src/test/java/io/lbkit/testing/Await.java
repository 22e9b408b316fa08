package io.lbkit.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, for tests that watch real threads, sockets or processes
 * (tests of time rules use {@link FakeScheduler} instead). It polls: the condition is checked,
 * then the calling thread pauses for 10 ms, until the condition holds or the deadline passes.
 * The pause only paces the polling; the result is decided by the condition alone, so a slow
 * machine makes a test slower, never wrong. Shared by the tests of every package.
 */
public final class Await {

    private static final long POLL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Await() {}

    /**
     * Polls {@code condition} every 10 ms until it holds and returns how long that took (to the
     * precision of the 10 ms polling interval).
     *
     * @throws AssertionError naming {@code what} and the last state if the deadline passes
     */
    public static Duration until(String what, Duration deadline, BooleanSupplier condition,
            Supplier<?> state) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out after " + deadline + " waiting for " + what + "; last state: "
                        + state.get());
            }
            LockSupport.parkNanos(POLL_INTERVAL_NANOS); // paces the polling; may return early
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
