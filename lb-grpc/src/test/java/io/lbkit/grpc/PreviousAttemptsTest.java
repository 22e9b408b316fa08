package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-call record of attempts' endpoints and the pick that avoids them. */
class PreviousAttemptsTest {

    private final List<Endpoint> endpoints = List.of(Endpoint.of("10.0.0.1", 80),
            Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.3", 80));

    private static int inFlight(LoadBalancer lb) {
        return lb.stats().stream().mapToInt(EndpointStats::inFlight).sum();
    }

    @Test
    void record_keepsTheLatestEightAddresses() {
        PreviousAttempts p = new PreviousAttempts();
        assertTrue(p.isEmpty());
        for (int i = 1; i <= 9; i++) {
            p.record("10.0.0." + i + ":80");
        }
        assertFalse(p.isEmpty());
        assertFalse(p.contains("10.0.0.1:80"), "the oldest was overwritten");
        for (int i = 2; i <= 9; i++) {
            assertTrue(p.contains("10.0.0." + i + ":80"));
        }
    }

    @Test
    void pickAvoiding_findsTheOneUnusedEndpoint_andReleasesTheOtherPicks() {
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(Strategy.roundRobin()).build();
        try {
            for (int n = 0; n < 200; n++) {
                PreviousAttempts p = new PreviousAttempts();
                p.record(endpoints.get(n % 3).address());
                p.record(endpoints.get((n + 1) % 3).address());
                Pick pick = p.pickAvoiding(lb);
                assertEquals(endpoints.get((n + 2) % 3), pick.endpoint());
                assertEquals(1, inFlight(lb), "only the returned pick stays in flight");
                pick.release();
            }
        } finally {
            lb.close();
        }
    }

    /**
     * With random strategies a miss is possible but rare: one used endpoint of three is drawn 16
     * times in a row with probability 3^-16 (2e-8).
     */
    @Test
    void pickAvoiding_avoidsTheUsedEndpoint_withEveryStrategy() {
        for (Strategy strategy : List.of(Strategy.roundRobin(), Strategy.random(),
                Strategy.ringHash(), Strategy.leastRequest(), Strategy.peakEwma())) {
            LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                    .strategy(strategy).build();
            try {
                for (int n = 0; n < 200; n++) {
                    PreviousAttempts p = new PreviousAttempts();
                    Endpoint used = endpoints.get(n % 3);
                    p.record(used.address());
                    Pick pick = p.pickAvoiding(lb);
                    assertNotEquals(used, pick.endpoint(), strategy.toString());
                    assertEquals(1, inFlight(lb), "only the returned pick stays in flight");
                    pick.release();
                }
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void pickAvoiding_withEveryEndpointUsed_stillPicks() {
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints)).build();
        try {
            PreviousAttempts p = new PreviousAttempts();
            List<Pick> picks = new ArrayList<>();
            for (Endpoint e : endpoints) {
                p.record(e.address());
            }
            picks.add(p.pickAvoiding(lb));
            assertTrue(endpoints.contains(picks.get(0).endpoint()));
            assertEquals(1, inFlight(lb));
            picks.get(0).release();
            assertEquals(0, inFlight(lb));
        } finally {
            lb.close();
        }
    }

    @Test
    void interceptor_givesEachCallARecordOfItsOwn() {
        List<CallOptions> seen = new ArrayList<>();
        Channel capture = new Channel() {
            @Override
            public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method,
                    CallOptions options) {
                seen.add(options);
                return null;
            }

            @Override
            public String authority() {
                return "test";
            }
        };
        LbkitGrpc.avoidPreviousEndpoints().interceptCall(EchoServers.WHO, CallOptions.DEFAULT,
                capture);
        LbkitGrpc.avoidPreviousEndpoints().interceptCall(EchoServers.WHO, CallOptions.DEFAULT,
                capture);
        PreviousAttempts first = seen.get(0).getOption(PreviousAttempts.KEY);
        PreviousAttempts second = seen.get(1).getOption(PreviousAttempts.KEY);
        assertTrue(first != null && second != null);
        assertNotSame(first, second);
        // grpc copies a call's options per attempt; the copies share the record
        assertSame(first, seen.get(0).withWaitForReady().getOption(PreviousAttempts.KEY));
    }
}
