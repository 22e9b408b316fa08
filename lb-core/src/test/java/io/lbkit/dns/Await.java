package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, checking every 10 ms; never sleeps to synchronise. */
public final class Await {

    private Await() {}

    /**
     * Waits until the condition holds and returns how long that took.
     *
     * @throws AssertionError naming {@code what} and the last state if the deadline passes
     */
    public static Duration until(String what, Duration deadline, BooleanSupplier condition,
            Supplier<?> state) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        Object lock = new Object();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out after " + deadline + " waiting for " + what + "; last state: "
                        + state.get());
            }
            synchronized (lock) {
                try {
                    lock.wait(10); // a polling interval, not synchronisation: the condition decides
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted waiting for " + what);
                }
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
