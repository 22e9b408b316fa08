package io.lbkit.proxybench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.proxybench.Options.Case;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void parse_withoutArguments_givesTheDocumentedDefaults() {
        Options o = Options.parse();
        assertEquals(Duration.ofSeconds(10), o.duration());
        assertEquals(Duration.ofSeconds(5), o.warmup());
        assertEquals(32, o.concurrency());
        assertEquals(3, o.backends());
        assertEquals(128, o.bodyBytes());
        assertEquals(EnumSet.allOf(Case.class), o.cases());
    }

    @Test
    void parse_readsCasesInAnyOrder() {
        Options o = Options.parse("--cases", "direct, lbkit-rr", "--concurrency", "4");
        assertEquals(EnumSet.of(Case.LBKIT_RR, Case.DIRECT), o.cases());
        assertEquals(4, o.concurrency());
    }

    @Test
    void parse_outOfRange_namesTheOptionAndItsRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--duration", "21"));
        assertTrue(e.getMessage().contains("--duration"), e.getMessage());
        assertTrue(e.getMessage().contains("1..20"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--concurrency", "zero"));
        assertTrue(e.getMessage().contains("--concurrency") && e.getMessage().contains("1..256"),
                e.getMessage());
    }

    @Test
    void parse_unknownCaseOrOption_fails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("--cases", "nginx"));
        assertTrue(e.getMessage().contains("nginx"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--fast"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--warmup"));
    }
}
