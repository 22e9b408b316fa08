package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Validation and the accessors of {@link Subsetting}. */
class SubsettingTest {

    @Test
    void size_outOfRange_namesTheFieldAndRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Subsetting.deterministic(0, 10, 0));
        assertEquals("size must be 1..10000, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Subsetting.random(10_001));
        assertEquals("size must be 1..10000, was 10001", e.getMessage());
    }

    @Test
    void clientIdAndCount_outOfRange_nameTheFieldAndRange() {
        assertEquals("clientId must be 0..clientCount-1 (0..9), was 10",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.deterministic(10, 10, 5)).getMessage());
        assertEquals("clientId must be 0..clientCount-1 (0..9), was -1",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.deterministic(-1, 10, 5)).getMessage());
        assertEquals("clientCount must be 1..100000, was 0",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.deterministic(0, 0, 5)).getMessage());
        assertEquals("clientCount × size must be at most 10000000, was 100000 × 101 = 10100000",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.deterministic(0, 100_000, 101)).getMessage());
        assertEquals("clientCount must be 1..100000, was 100001",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.deterministic(0, 100_001, 5)).getMessage());
    }

    @Test
    void clientKey_blankOrTooLong_isRejected_quotedAndTruncated() {
        assertEquals("clientKey must be 1..256 characters, not blank, was ' ' (1 character)",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.rendezvous(" ", 5)).getMessage());
        String longKey = "k\"\n".repeat(100);
        String message = assertThrows(IllegalArgumentException.class,
                () -> Subsetting.rendezvous(longKey, 5)).getMessage();
        // quoted as every lb-core message quotes input (io.lbkit.internal.Quote)
        assertTrue(message.contains("k\"\\nk\"\\n"), message);
        assertTrue(message.endsWith("'...(300 chars)"), message); // the length said once
        assertTrue(message.length() < 200, message);
        assertEquals("clientKey must be 1..256 characters, not blank, was '\\t\\t' (2 characters)",
                assertThrows(IllegalArgumentException.class,
                        () -> Subsetting.rendezvous("\t\t", 5)).getMessage());
        String tabs = assertThrows(IllegalArgumentException.class,
                () -> Subsetting.rendezvous("\t".repeat(60), 5)).getMessage();
        assertTrue(tabs.endsWith("...(60 chars)"), tabs); // cut by its escapes: the length once
        assertThrows(NullPointerException.class, () -> Subsetting.rendezvous(null, 5));
    }

    @Test
    void builder_optionsAreSetOnce_andAModeIsRequired() {
        Subsetting.Builder b = Subsetting.builder(5).deterministic(1, 3);
        assertEquals("mode already set to deterministic(1, 3)",
                assertThrows(IllegalStateException.class, () -> b.rendezvous("x")).getMessage());
        b.localZone("eu-1a");
        assertEquals("localZone already set to 'eu-1a'",
                assertThrows(IllegalStateException.class, () -> b.localZone("eu-1b"))
                        .getMessage());
        b.seed(7);
        assertEquals("seed already set to 7",
                assertThrows(IllegalStateException.class, () -> b.seed(8)).getMessage());
        assertEquals("localZone must not be blank", assertThrows(IllegalArgumentException.class,
                () -> Subsetting.builder(5).localZone(" ")).getMessage());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Subsetting.builder(5).build());
        assertTrue(e.getMessage().startsWith("choose a mode"), e.getMessage());
    }

    @Test
    void accessors_reportTheConfiguration() {
        Subsetting s = Subsetting.builder(20).deterministic(4, 9).localZone("a").seed(3).build();
        assertEquals(Subsetting.Mode.DETERMINISTIC, s.mode());
        assertEquals(20, s.size());
        assertEquals(OptionalInt.of(4), s.clientId());
        assertEquals(OptionalInt.of(9), s.clientCount());
        assertEquals("a", s.localZone().orElseThrow());
        assertEquals(3, s.seed());
        assertEquals("Subsetting[DETERMINISTIC, size=20, client 4 of 9, localZone='a', seed=3]",
                s.toString());
        Subsetting r = Subsetting.rendezvous("pod-7", 5);
        assertEquals("pod-7", r.clientKey().orElseThrow());
        assertTrue(r.clientId().isEmpty());
        assertEquals(Subsetting.Mode.RANDOM, Subsetting.random(5).mode());
    }

    @Test
    void random_drawsANewKeyPerInstance_rendezvous_keepsItsKey() {
        List<Endpoint> pool = SubsetProperties.pool(200, 0);
        assertEquals(Subsetting.rendezvous("pod-7", 10).select(pool),
                Subsetting.rendezvous("pod-7", 10).select(pool), "a stable key, a stable subset");
        // Two random instances share a subset of 10 out of 200 with probability ~ 1e-16.
        assertNotEquals(Subsetting.random(10).select(pool), Subsetting.random(10).select(pool));
    }

    @Test
    void differentSeeds_giveDifferentSubsets() {
        List<Endpoint> pool = SubsetProperties.pool(200, 0);
        assertNotEquals(Subsetting.builder(10).deterministic(0, 20).seed(1).build().select(pool),
                Subsetting.builder(10).deterministic(0, 20).seed(2).build().select(pool));
    }

    @Test
    void select_rejectsDuplicateAddresses() {
        Endpoint a = Endpoint.of("10.0.0.1", 80);
        assertThrows(IllegalArgumentException.class,
                () -> Subsetting.random(1).select(List.of(a, Endpoint.of("10.0.0.1", 80, 2))));
    }

    @Test
    void aPoolNoLargerThanTheSize_isTakenWhole() {
        List<Endpoint> pool = SubsetProperties.pool(5, 0);
        assertEquals(pool, Subsetting.deterministic(2, 3, 5).select(pool));
        assertEquals(pool, Subsetting.random(8).select(pool));
        assertEquals(List.of(), Subsetting.random(8).select(List.of()));
    }
}
