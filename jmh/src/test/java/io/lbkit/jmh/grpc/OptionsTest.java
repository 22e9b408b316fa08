package io.lbkit.jmh.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.jmh.grpc.Options.Policy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void defaults_runAllPoliciesForAboutSeventySeconds() {
        Options o = Options.parse();
        assertFalse(o.help());
        assertEquals(List.of(Policy.values()), o.policies());
        assertEquals(64, o.inFlight());
        assertEquals(3, o.servers());
        long seconds = o.policies().size()
                * (o.warmup().toSeconds() + o.rounds() * o.phase().toSeconds());
        assertTrue(seconds >= 60 && seconds <= 90, () -> seconds + " s");
    }

    @Test
    void quick_isOneShortRound_andLaterOptionsWin() {
        Options o = Options.parse("--quick", "--rounds", "2");
        assertEquals(2, o.rounds());
        assertEquals(Duration.ofSeconds(1), o.phase());
        assertEquals(Duration.ofSeconds(1), o.warmup());
    }

    @Test
    void order_rotatesByOneEachRound_soEveryPolicyGoesFirstOnce() {
        Options o = Options.parse("--policies", "grpc-rr,lbkit-rr,lbkit-lr");
        assertEquals(List.of(Policy.GRPC_RR, Policy.LBKIT_RR, Policy.LBKIT_LR), o.order(0));
        assertEquals(List.of(Policy.LBKIT_RR, Policy.LBKIT_LR, Policy.GRPC_RR), o.order(1));
        assertEquals(List.of(Policy.LBKIT_LR, Policy.GRPC_RR, Policy.LBKIT_RR), o.order(2));
        assertEquals(o.order(0), o.order(3));
    }

    @Test
    void outOfRange_namesTheOptionAndRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--in-flight", "0"));
        assertEquals("--in-flight must be in 1..1024, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--seconds", "x"));
        assertEquals("--seconds must be an integer in 1..20, was 'x'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--rounds"));
        assertEquals("--rounds needs a value", e.getMessage());
    }

    @Test
    void policies_unknownOrRepeated_failWithTheAllowedNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--policies", "grpc-rr,envoy\n"));
        assertEquals("--policies: unknown policy 'envoy'; allowed: grpc-rr, grpc-pf,"
                + " lbkit-rr, lbkit-lr, lbkit-ewma", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--policies", "grpc-rr,grpc-rr"));
        assertEquals("--policies: 'grpc-rr' given twice", e.getMessage());
    }

    @Test
    void unknownOption_isQuotedEscapedAndTruncated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--x\u0007" + "y".repeat(100)));
        assertTrue(e.getMessage().startsWith("unknown option '--x\\u0007yyy"), e.getMessage());
        assertTrue(e.getMessage().contains("...'"), e.getMessage());
        assertTrue(e.getMessage().length() < 100, e.getMessage());
    }
}
