package io.lbkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void options_areReadInOrder_withTheirValues() {
        CommandLine cl = new CommandLine("--n", "7", "--quick", "--list", "1,2,3", "--seed", "-5",
                "--scale", "0.5", "--name", " x ");
        List<Object> seen = new ArrayList<>();
        while (cl.hasNext()) {
            switch (cl.next()) {
                case "--n" -> seen.add(cl.intIn(1, 10));
                case "--quick" -> seen.add("quick");
                case "--list" -> seen.add(cl.positives());
                case "--seed" -> seen.add(cl.longValue());
                case "--scale" -> seen.add(cl.doubleIn(0, 100));
                case "--name" -> seen.add(cl.value());
                default -> throw cl.unknown();
            }
        }
        assertEquals(List.of(7, "quick", List.of(1, 2, 3), -5L, 0.5, " x "), seen);
        assertFalse(cl.hasNext());
    }

    @Test
    void intIn_outOfRangeOrNotANumber_namesTheOptionAndRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read("--in-flight", "0").intIn(1, 1024));
        assertEquals("--in-flight must be in 1..1024, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read("--seconds", "x").intIn(1, 20));
        assertEquals("--seconds must be an integer in 1..20, was 'x'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read("--rounds").intIn(1, 20));
        assertEquals("--rounds needs a value", e.getMessage());
    }

    @Test
    void positive_zeroOrGarbage_fails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read("--seeds", "0").positive());
        assertEquals("--seeds must be at least 1, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read("--sizes", "10,,20").positives());
        assertEquals("--sizes must be a positive integer, was ''", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read("--seed", "1e3").longValue());
        assertEquals("--seed must be an integer, was '1e3'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> read("--scale", "0").doubleIn(0, 100));
        assertEquals("--scale must be in (0.0, 100.0], was 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> read("--scale", "NaN").doubleIn(0, 100));
        assertEquals("--scale must be in (0.0, 100.0], was NaN", e.getMessage());
    }

    @Test
    void unknown_quotesEscapedAndTruncated() {
        CommandLine cl = new CommandLine("--x\u0007'" + "y".repeat(100));
        cl.next();
        String m = cl.unknown().getMessage();
        assertTrue(m.startsWith("unknown option '--x\\u0007\\u0027yyy"), m);
        assertTrue(m.endsWith("...'; --help lists them"), m);
        assertEquals(CommandLine.QUOTED_CHARS, m.indexOf("...") - "unknown option '".length(), m);
    }

    @Test
    void oneOf_findsByName_orListsTheNamesAllowed() {
        List<String> choices = List.of("grpc-rr", "lbkit-rr");
        assertEquals("lbkit-rr", CommandLine.oneOf("--policies", "policy", "lbkit-rr", choices,
                c -> c));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.oneOf("--policies", "policy", "envoy\n", choices, c -> c));
        assertEquals("--policies: unknown policy 'envoy\\u000a'; allowed: grpc-rr, lbkit-rr",
                e.getMessage());
    }

    @Test
    void value_beforeNext_isAProgrammingError() {
        assertThrows(IllegalStateException.class, () -> new CommandLine("a").value());
        assertThrows(java.util.NoSuchElementException.class, () -> new CommandLine().next());
    }

    @Test
    void args_areCopied() {
        String[] args = {"--a"};
        CommandLine cl = new CommandLine(args);
        args[0] = "--b";
        assertEquals("--a", cl.next());
    }

    private static CommandLine read(String... args) {
        CommandLine cl = new CommandLine(args);
        cl.next();
        return cl;
    }
}
