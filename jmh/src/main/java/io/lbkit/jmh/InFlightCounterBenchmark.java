package io.lbkit.jmh;

import io.lbkit.Endpoint;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What a power-of-two-choices pick over live in-flight counts costs at 1 and 2 threads with
 * each way of keeping the counts (issue 19 item 3): the least a least-request pick + report can
 * do, with no lbkit code. Every variant draws two endpoints, reads both counts, takes the lower,
 * adds 1 to its count (the pick) and subtracts 1 (the report). Each variant runs as a 1-thread
 * and a 2-thread method of the same run ({@code @Threads}), so the ratio 2 threads ÷ 1 is read
 * from one run:
 * <ul>
 * <li>{@code adders}: one {@link LongAdder} per endpoint, its sum read (lbkit's
 *     {@code EndpointState} before its counts became one padded atomic);
 * <li>{@code atomics}: one {@code long} per endpoint, 128 bytes apart (a padded
 *     {@code AtomicLong} each), read with one volatile read, updated with
 *     {@code getAndAdd};
 * <li>{@code rows}: one row of counts per thread stripe (by thread id, as lbkit's
 *     {@code StripedCounter}), each row padded to whole cache lines; a thread writes only its
 *     own row, a read sums the endpoint's column over all rows. With 3 endpoints a row is one
 *     line, so a pick reads the other thread's line once for both candidates;
 * <li>{@code ownRow}: as {@code rows}, reading only the calling thread's row: each thread
 *     balances its own calls only, with no view of the others' load. Not a live global count;
 *     it prices what reading the other core's writes costs.
 * </ul>
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar InFlightCounterBenchmark -f 1 -wi 3 -w 1s -i 5 -r 500ms -prof gc
 * }</pre>
 * (no {@code -t}: it would override the methods' thread counts).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InFlightCounterBenchmark {

    /** 16 longs: 128 bytes, two lines (the adjacent-line prefetcher pairs them). */
    private static final int SPACING = 16;
    /** Thread stripes for {@code rows}, as StripedCounter's: a power of two, 2 x cores, 4..64. */
    private static final int STRIPES = Integer.highestOneBit(
            Math.max(4, Math.min(64, 2 * Runtime.getRuntime().availableProcessors())) - 1) << 1;

    @Param({"3", "100"})
    public int endpoints;

    private Endpoint[] array;
    private LongAdder[] adders;
    private AtomicLongArray atomics;
    /** Row s holds stripe s's counts, endpoint i at {@code (s + 1) * rowLength + i}. */
    private AtomicLongArray rows;
    private int rowLength;

    @Setup
    public void setUp() {
        array = new Workload(endpoints).lbkitEndpoints().toArray(new Endpoint[0]);
        adders = new LongAdder[endpoints];
        for (int i = 0; i < endpoints; i++) {
            adders[i] = new LongAdder();
        }
        atomics = new AtomicLongArray((endpoints + 1) * SPACING);
        rowLength = (endpoints + SPACING - 1) / SPACING * SPACING;
        rows = new AtomicLongArray((STRIPES + 2) * rowLength);
    }

    private static int stripe() {
        @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+
        int s = (int) Thread.currentThread().getId() & (STRIPES - 1);
        return s;
    }

    private Endpoint adders() {
        return FloorBenchmark.twoChoicesOnAdders(array, adders);
    }

    private Endpoint atomics() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(array.length);
        int b = r.nextInt(array.length);
        int chosen = atomics.get((a + 1) * SPACING) <= atomics.get((b + 1) * SPACING) ? a : b;
        atomics.getAndIncrement((chosen + 1) * SPACING);
        Endpoint e = array[chosen];
        atomics.getAndDecrement((chosen + 1) * SPACING);
        return e;
    }

    private long column(int i) {
        long sum = 0;
        for (int s = 1; s <= STRIPES; s++) {
            sum += rows.get(s * rowLength + i);
        }
        return sum;
    }

    private Endpoint rows() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(array.length);
        int b = r.nextInt(array.length);
        int chosen = column(a) <= column(b) ? a : b;
        int own = (stripe() + 1) * rowLength + chosen;
        rows.getAndIncrement(own);
        Endpoint e = array[chosen];
        rows.getAndDecrement(own);
        return e;
    }

    private Endpoint ownRow() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = r.nextInt(array.length);
        int b = r.nextInt(array.length);
        int row = (stripe() + 1) * rowLength;
        int chosen = rows.get(row + a) <= rows.get(row + b) ? a : b;
        rows.getAndIncrement(row + chosen);
        Endpoint e = array[chosen];
        rows.getAndDecrement(row + chosen);
        return e;
    }

    @Benchmark
    @Threads(1)
    public Endpoint adders1() {
        return adders();
    }

    @Benchmark
    @Threads(2)
    public Endpoint adders2() {
        return adders();
    }

    @Benchmark
    @Threads(1)
    public Endpoint atomics1() {
        return atomics();
    }

    @Benchmark
    @Threads(2)
    public Endpoint atomics2() {
        return atomics();
    }

    @Benchmark
    @Threads(1)
    public Endpoint rows1() {
        return rows();
    }

    @Benchmark
    @Threads(2)
    public Endpoint rows2() {
        return rows();
    }

    @Benchmark
    @Threads(1)
    public Endpoint ownRow1() {
        return ownRow();
    }

    @Benchmark
    @Threads(2)
    public Endpoint ownRow2() {
        return ownRow();
    }
}
