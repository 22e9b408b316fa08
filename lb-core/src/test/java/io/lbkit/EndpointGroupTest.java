package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EndpointGroupTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80);
    private static final Endpoint C = Endpoint.of("10.0.0.3", 80);

    @Test
    void staticGroup_rejectsDuplicateAddresses_namingTheAddress() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EndpointGroup.of(A, B, Endpoint.of("10.0.0.1", 80, 5)));
        assertTrue(e.getMessage().startsWith("duplicate endpoint address 10.0.0.1:80"),
                e.getMessage());
    }

    @Test
    void staticGroup_rejectsTheSameIpv6AddressWrittenTwoWays() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EndpointGroup.of(Endpoint.of("::1", 80), Endpoint.of("[::1]", 80, 2)));
        assertTrue(e.getMessage().startsWith("duplicate endpoint address [::1]:80"),
                e.getMessage());
    }

    @Test
    void nullArrays_throwNullPointerExceptionsNamingTheParameter() {
        assertEquals("endpoints", assertThrows(NullPointerException.class,
                () -> EndpointGroup.of((Endpoint[]) null)).getMessage());
        assertEquals("initial", assertThrows(NullPointerException.class,
                () -> EndpointGroup.dynamic((Endpoint[]) null)).getMessage());
        assertEquals("endpoints", assertThrows(NullPointerException.class,
                () -> EndpointGroup.of((List<Endpoint>) null)).getMessage());
    }

    @Test
    void staticGroup_rejectsNull() {
        assertThrows(NullPointerException.class, () -> EndpointGroup.of(A, null));
        assertThrows(NullPointerException.class, () -> EndpointGroup.of((List<Endpoint>) null));
    }

    @Test
    void staticGroup_isReadyAtOnceWithItsEndpointsInOrder() throws Exception {
        try (EndpointGroup g = EndpointGroup.of(C, A, B)) {
            assertEquals(List.of(C, A, B), g.endpoints());
            assertEquals(List.of(C, A, B), g.whenReady().get(0, TimeUnit.SECONDS));
            assertThrows(UnsupportedOperationException.class, () -> g.endpoints().add(A));
        }
    }

    @Test
    void staticGroup_doesNotFollowTheCallersList() {
        List<Endpoint> list = new ArrayList<>(List.of(A, B));
        try (EndpointGroup g = EndpointGroup.of(list)) {
            list.add(C);
            assertEquals(List.of(A, B), g.endpoints());
        }
    }

    @Test
    void dynamicGroup_setRejectsDuplicates_andKeepsTheLastSnapshot() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A)) {
            List<List<Endpoint>> seen = new ArrayList<>();
            g.subscribe(seen::add);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.set(List.of(B, C, Endpoint.of("10.0.0.2", 80, 3))));
            assertTrue(e.getMessage().contains("10.0.0.2:80"), e.getMessage());
            assertEquals(List.of(A), g.endpoints());
            assertEquals(List.of(List.of(A)), seen);
        }
    }

    @Test
    void dynamicGroup_rejectsNull_namingTheParameter() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A)) {
            assertEquals("endpoint", assertThrows(NullPointerException.class,
                    () -> g.add(null)).getMessage());
            assertEquals("endpoint", assertThrows(NullPointerException.class,
                    () -> g.remove(null)).getMessage());
            assertEquals("endpoints", assertThrows(NullPointerException.class,
                    () -> g.set(null)).getMessage());
            assertThrows(NullPointerException.class, () -> g.set(Arrays.asList(B, null)));
            assertThrows(NullPointerException.class, () -> g.subscribe(null));
            assertEquals(List.of(A), g.endpoints());
        }
    }

    @Test
    void dynamicGroup_addReplacesTheEndpointWithTheSameAddressInPlace() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A, B, C)) {
            Endpoint heavierB = Endpoint.of("10.0.0.2", 80, 7);
            assertTrue(g.add(heavierB));
            assertEquals(List.of(A, heavierB, C), g.endpoints());
            assertFalse(g.add(heavierB), "adding an equal endpoint changes nothing");
        }
    }

    @Test
    void dynamicGroup_removeMatchesByAddressOnly() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A, B)) {
            assertTrue(g.remove(Endpoint.of("10.0.0.1", 80, 99)));
            assertEquals(List.of(B), g.endpoints());
            assertFalse(g.remove(A));
        }
    }

    @Test
    void subscribe_deliversTheCurrentSnapshotThenEveryChangeInOrder_andOnlyChanges() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A)) {
            List<List<Endpoint>> seen = new ArrayList<>();
            EndpointGroup.Subscription s = g.subscribe(seen::add);
            g.add(B);
            g.set(List.of(A, B)); // unchanged: not delivered
            g.remove(A);
            g.set(List.of());
            s.close();
            g.add(C); // after unsubscribing: not delivered
            s.close(); // idempotent
            assertEquals(List.of(List.of(A), List.of(A, B), List.of(B), List.of()), seen);
        }
    }

    @Test
    void subscribe_survivesAListenerThatThrows() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A)) {
            g.subscribe(snapshot -> {
                throw new IllegalStateException("listener bug (expected by this test)");
            });
            List<List<Endpoint>> seen = new ArrayList<>();
            g.subscribe(seen::add);
            assertTrue(g.add(B));
            assertEquals(List.of(List.of(A), List.of(A, B)), seen);
        }
    }

    @Test
    void close_stopsDeliveryAndChanges() {
        DynamicEndpointGroup g = EndpointGroup.dynamic(A);
        List<List<Endpoint>> seen = new ArrayList<>();
        g.subscribe(seen::add);
        g.close();
        g.close(); // idempotent
        assertFalse(g.add(B));
        assertEquals(List.of(A), g.endpoints());
        assertEquals(List.of(List.of(A)), seen);
    }

    @Test
    void whenReady_failsIfClosedBeforeTheFirstSnapshot() {
        NeverReadyGroup g = new NeverReadyGroup();
        assertTrue(g.endpoints().isEmpty());
        assertFalse(g.whenReady().isDone());
        g.close();
        CompletionException e = assertThrows(CompletionException.class, () -> g.whenReady().join());
        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
    }

    @Test
    void whenReady_cannotBeCompletedByTheCaller() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic()) {
            g.whenReady().obtrudeValue(List.of(A));
            assertEquals(List.of(), g.whenReady().join());
        }
    }

    @Test
    void abstractGroup_publishesTheFirstUpdateEvenWhenEmpty() {
        NeverReadyGroup g = new NeverReadyGroup();
        List<List<Endpoint>> seen = new ArrayList<>();
        g.subscribe(seen::add);
        assertTrue(seen.isEmpty(), "no snapshot before the group is ready");
        assertFalse(g.publish(List.of()), "an empty first snapshot equals the initial one");
        assertTrue(g.whenReady().isDone());
        assertEquals(Arrays.asList(List.<Endpoint>of()), seen);
    }

    /** A group that is ready only when the test publishes. */
    static final class NeverReadyGroup extends AbstractEndpointGroup {
        boolean publish(List<Endpoint> endpoints) {
            return update(endpoints);
        }
    }
}
