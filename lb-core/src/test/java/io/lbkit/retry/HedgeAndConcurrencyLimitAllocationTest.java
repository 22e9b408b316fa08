package io.lbkit.retry;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lbkit.health.ConcurrencyLimit;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The per-call operations of hedging and of the concurrency limit allocate nothing: this
 * thread's allocation counter barely moves over a million of them, window rotations included.
 */
class HedgeAndConcurrencyLimitAllocationTest {

    private static final int OPS = 1_000_000;
    /** Slack for the counter's own bookkeeping and a stray JIT or JFR allocation: 4 KiB. */
    private static final long SLACK = 4_096;

    static volatile long sink;

    @Test
    void recordLatencyAndDelay_allocateNothing() {
        AtomicLong now = new AtomicLong();
        HedgePolicy policy = HedgePolicy.builder().window(Duration.ofSeconds(1))
                .ticker(now::get).build();
        Runnable ops = () -> {
            for (int i = 0; i < OPS; i++) {
                now.addAndGet(10_000); // 10 µs a call: the window rotates every 100,000 calls
                policy.recordLatency((i * 7_919L) % 50_000_000L);
                if ((i & 1023) == 0) {
                    sink += policy.delayNanos();
                }
            }
        };
        assertAllocationFree(ops);
    }

    @Test
    void limiterSamples_allocateNothing() {
        ConcurrencyLimit.Limiter limiter = ConcurrencyLimit.gradient().newLimiter();
        Runnable ops = () -> {
            for (int i = 0; i < OPS; i++) {
                int inFlight = limiter.limit();
                if (i % 97 == 0) {
                    limiter.onDrop(inFlight);
                } else {
                    limiter.onSample(10_000_000L * Math.max(4, inFlight) / 4, inFlight);
                }
                sink += limiter.limit();
            }
        };
        assertAllocationFree(ops);
    }

    private static void assertAllocationFree(Runnable ops) {
        long probe = allocatedBytes();
        assumeTrue(probe >= 0, "this JVM does not count allocated bytes per thread");
        ops.run(); // warm up: let the JIT compile the loop
        long before = allocatedBytes();
        ops.run();
        long bytes = allocatedBytes() - before;
        assertTrue(bytes <= SLACK, bytes + " bytes over " + OPS + " operations");
    }

    private static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getThreadMXBean").invoke(null);
            Method m = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            return (Long) m.invoke(bean);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
