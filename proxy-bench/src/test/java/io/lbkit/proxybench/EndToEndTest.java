package io.lbkit.proxybench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lbkit.proxybench.Options.Case;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tiny runs of each case against two loopback backends: one second, four virtual users. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EndToEndTest {

    private static List<Backend> backends;

    @BeforeAll
    static void startBackends() throws Exception {
        backends = ProxyBench.startBackends(2, 4, 16);
    }

    @AfterAll
    static void stopBackends() {
        for (Backend b : backends) {
            b.close();
        }
    }

    private static final int CONCURRENCY = 4;

    private static ProxyBench.Row run(Case c, Path haproxy) throws Exception {
        return ProxyBench.runCase(c, backends, CONCURRENCY, Duration.ofMillis(200), Duration.ofSeconds(1),
                haproxy);
    }

    private static void assertAllSucceededAndCountsAddUp(ProxyBench.Row row) {
        ClosedLoop.Result r = row.result;
        assertEquals(0, r.totalErrors(), "first error: " + r.firstError());
        assertEquals(0, r.errors());
        assertTrue(r.requests() > 0, "no measured requests");
        assertTrue(r.totalOk() >= r.requests(), r.toString());
        // Every response the client got was served. The backends may count a few more: the JDK
        // client transparently re-sends a GET whose connection closed before the response came
        // back (seen once in a CI-like run: 3,949 served for 3,948 received), at most one per
        // virtual user at a time.
        long served = row.servedTotal();
        assertTrue(served >= r.totalOk() && served <= r.totalOk() + CONCURRENCY,
                "responses the backends served: " + served + ", received " + r.totalOk());
        assertTrue(r.p50Nanos() > 0 && r.p50Nanos() <= r.p99Nanos(), r.toString());
    }

    @Test
    void lbkitRoundRobin_succeedsEveryCallAndSplitsThemEvenly() throws Exception {
        ProxyBench.Row row = run(Case.LBKIT_RR, null);
        assertAllSucceededAndCountsAddUp(row);
        // round robin over two endpoints: shares differ by at most the calls in flight
        assertTrue(Math.abs(row.served[0] - row.served[1]) <= 4 + 1,
                "b1 " + row.served[0] + ", b2 " + row.served[1]);
    }

    @Test
    void lbkitLeastRequest_succeedsEveryCallOnBothBackends() throws Exception {
        ProxyBench.Row row = run(Case.LBKIT_LR, null);
        assertAllSucceededAndCountsAddUp(row);
        assertTrue(row.served[0] > 0 && row.served[1] > 0,
                "b1 " + row.served[0] + ", b2 " + row.served[1]);
    }

    @Test
    void direct_sendsEveryCallToTheFirstBackendOnly() throws Exception {
        ProxyBench.Row row = run(Case.DIRECT, null);
        assertAllSucceededAndCountsAddUp(row);
        assertEquals(0, row.served[1]);
    }

    @Test
    void haproxy_whenInstalled_succeedsEveryCallAndStopsAfterwards() throws Exception {
        Optional<Path> haproxy = Haproxy.find();
        assumeTrue(haproxy.isPresent(), "haproxy not installed (apt-get install -y haproxy)");
        ProxyBench.Row row = run(Case.HAPROXY, haproxy.get());
        assertAllSucceededAndCountsAddUp(row);
        assertTrue(row.served[0] > 0 && row.served[1] > 0,
                "b1 " + row.served[0] + ", b2 " + row.served[1]);
    }
}
