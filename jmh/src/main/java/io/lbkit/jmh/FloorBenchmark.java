package io.lbkit.jmh;

import io.lbkit.Endpoint;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The floors lbkit's picks are held against: the least work a round-robin or a power-of-two-
 * choices pick can do in Java, with nothing else around it. Same endpoint counts and threads as
 * the other benchmarks, in the same run.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar FloorBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FloorBenchmark {

    @Param({"3", "100", "10000"})
    public int endpoints;

    private Endpoint[] array;
    private final AtomicInteger counter = new AtomicInteger();
    /** One unpadded in-flight counter per endpoint, as a naive P2C balancer keeps them. */
    private AtomicIntegerArray inFlight;

    /** One self-striping in-flight adder per endpoint, as lbkit's EndpointState keeps them. */
    private LongAdder[] adders;

    @Setup
    public void setUp() {
        array = new Workload(endpoints).lbkitEndpoints().toArray(new Endpoint[0]);
        inFlight = new AtomicIntegerArray(endpoints);
        adders = new LongAdder[endpoints];
        for (int i = 0; i < endpoints; i++) {
            adders[i] = new LongAdder();
        }
    }

    /** Round-robin floor: one shared {@code getAndIncrement} and one array read. */
    @Benchmark
    public Endpoint roundRobin() {
        int c = counter.getAndIncrement();
        return array[(c & Integer.MAX_VALUE) % array.length];
    }

    /** Random floor: two {@link ThreadLocalRandom} draws and two array reads (P2C without load). */
    @Benchmark
    public Endpoint twoRandomChoices() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        Endpoint a = array[r.nextInt(array.length)];
        Endpoint b = array[r.nextInt(array.length)];
        return a.weight() >= b.weight() ? a : b;
    }

    /**
     * P2C floor: two draws, the two endpoints' in-flight counts compared, and the chosen
     * endpoint's counter incremented (the pick) and decremented (the report).
     */
    @Benchmark
    public Endpoint twoRandomChoicesCounted() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(array.length);
        int b = r.nextInt(array.length);
        int chosen = inFlight.get(a) <= inFlight.get(b) ? a : b;
        inFlight.getAndIncrement(chosen);
        Endpoint e = array[chosen];
        inFlight.getAndDecrement(chosen);
        return e;
    }

    /**
     * P2C floor with lbkit's counters: as {@link #twoRandomChoicesCounted}, on one
     * {@link LongAdder} per endpoint (the in-flight sums compared, the chosen adder incremented
     * and decremented). At 2 threads this is the cost of reading counters that the other core
     * keeps writing, which no load-aware strategy over live counts avoids.
     */
    @Benchmark
    public Endpoint twoRandomChoicesAdders() {
        return twoChoicesOnAdders(array, adders);
    }

    /** The least-loaded of two random endpoints by their adders' sums, counted and released. */
    static Endpoint twoChoicesOnAdders(Endpoint[] array, LongAdder[] adders) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(array.length);
        int b = r.nextInt(array.length);
        int chosen = adders[a].sum() <= adders[b].sum() ? a : b;
        adders[chosen].increment();
        Endpoint e = array[chosen];
        adders[chosen].decrement();
        return e;
    }

    /**
     * One {@link System#nanoTime()}: peak EWMA reads the clock twice per call (the pick, to decay
     * the candidates' estimates; the report, to stamp the sample). Same for every endpoint count.
     */
    @Benchmark
    public long clockRead() {
        return System.nanoTime();
    }
}
