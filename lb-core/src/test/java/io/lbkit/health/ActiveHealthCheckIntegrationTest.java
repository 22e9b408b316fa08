package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Active TCP health checks against real listening sockets on loopback, with the real clock and
 * the default scheduler: a server stopped mid-run goes DOWN in time, comes back UP after its
 * restart and then ramps up under slow start.
 */
@Timeout(30)
class ActiveHealthCheckIntegrationTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private static final int RISE = 2;
    private static final int FALL = 3;
    /** Scheduling slack for a loaded 2-core CI machine. */
    private static final Duration SLACK = Duration.ofMillis(700);

    private final List<ServerSocket> servers = new ArrayList<>();

    @AfterEach
    void closeServers() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
    }

    private ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        servers.add(s);
        return s;
    }

    private static HealthEvent await(BlockingQueue<HealthEvent> events, HealthEvent.Type type,
            Endpoint endpoint, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            HealthEvent e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                return null;
            }
            if (e.type() == type && e.endpoint().equals(java.util.Optional.of(endpoint))) {
                return e;
            }
        }
    }

    @Test
    void stoppedServer_goesDownInTime_andComesBackUpThenRampsUp() throws Exception {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ServerSocket s = listen(0);
            eps.add(Endpoint.of("127.0.0.1", s.getLocalPort()));
        }
        Endpoint victim = eps.get(1);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.weightedRoundRobin())
                .healthCheck(HealthCheck.builder(HealthProbe.tcp()).interval(INTERVAL)
                        .timeout(TIMEOUT).rise(RISE).fall(FALL).jitterPercent(0).build())
                .slowStart(SlowStart.of(Duration.ofSeconds(3)))
                .healthListener(events::add)
                .build();
        try {
            // Everything is up: every endpoint takes calls.
            assertEquals(new HashSet<>(eps), pickMany(lb, 30));

            long stoppedAt = System.nanoTime();
            servers.get(1).close();
            HealthEvent down = await(events, HealthEvent.Type.DOWN, victim,
                    INTERVAL.multipliedBy(FALL).plus(TIMEOUT).plus(SLACK));
            assertNotNull(down, "DOWN within fall x interval + timeout (+ slack)");
            Duration tookDown = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertFalse(pickMany(lb, 30).contains(victim));

            long restartedAt = System.nanoTime();
            listen(victim.port());
            HealthEvent up = await(events, HealthEvent.Type.UP, victim,
                    INTERVAL.multipliedBy(RISE).plus(SLACK));
            assertNotNull(up, "UP within rise x interval (+ slack)");
            Duration tookUp = Duration.ofNanos(System.nanoTime() - restartedAt);

            EndpointStats ramping = lb.stats().stream()
                    .filter(s -> s.endpoint().equals(victim)).findFirst().orElseThrow();
            assertEquals(HealthStatus.HEALTHY, ramping.health());
            assertTrue(ramping.weightPercent() < 100,
                    "slow start after recovery, was " + ramping.weightPercent() + "%");
            assertTrue(pickMany(lb, 400).contains(victim), "back in the rotation");
            System.out.printf("DOWN after %d ms (bound %d ms; %s), UP after %d ms (bound %d ms)%n",
                    tookDown.toMillis(), INTERVAL.multipliedBy(FALL).plus(TIMEOUT).toMillis(),
                    down.detail(),
                    tookUp.toMillis(), INTERVAL.multipliedBy(RISE).toMillis());
        } finally {
            lb.close();
        }
    }

    private static Set<Endpoint> pickMany(LoadBalancer lb, int n) {
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Pick p = lb.pick();
            seen.add(p.endpoint());
            p.onSuccess(0);
        }
        return seen;
    }
}
