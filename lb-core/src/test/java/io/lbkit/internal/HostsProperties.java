package io.lbkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The host grammar against its definition, on generated names, addresses and junk. */
class HostsProperties {

    @Property(tries = 500, seed = "20261201")
    void validNames_areAccepted_inLowerCase_byBothEntryPoints(@ForAll("names") String name) {
        assertEquals(name.toLowerCase(java.util.Locale.ROOT), Hosts.canonicalHost(name, "host"));
        assertEquals(name, Hosts.dnsName(name, "host"));
        assertEquals(name, Hosts.dnsName(name + ".", "host"));
    }

    @Property(tries = 500, seed = "20261201")
    void dottedQuads_areIpv4_exactlyWhenEachPartIs0To255WithoutLeadingZeros(
            @ForAll @IntRange(min = 0, max = 999) int a, @ForAll @IntRange(min = 0, max = 999) int b,
            @ForAll @IntRange(min = 0, max = 999) int c, @ForAll @IntRange(min = 0, max = 999) int d)
            throws Exception {
        String text = a + "." + b + "." + c + "." + d;
        boolean valid = a <= 255 && b <= 255 && c <= 255 && d <= 255;
        assertEquals(valid, Hosts.isIpv4(text), text);
        if (valid) {
            assertEquals(text, Hosts.canonicalHost(text, "host"));
            assertEquals(text, InetAddress.getByName(text).getHostAddress()); // no lookup
            assertThrows(IllegalArgumentException.class, () -> Hosts.dnsName(text, "host"));
        } else {
            assertThrows(IllegalArgumentException.class, () -> Hosts.canonicalHost(text, "host"));
        }
        assertFalse(Hosts.isIpv4("0" + text), "leading zero");
        assertFalse(Hosts.isIpv4(text + ".1"), "five parts");
    }

    /** Any text either is rejected, or its canonical form is accepted again unchanged. */
    @Property(tries = 2000, seed = "20261201")
    void anyText_isRejectedWithASafeMessage_orCanonicalisedStably(@ForAll("junk") String text) {
        String canonical;
        try {
            canonical = Hosts.canonicalHost(text, "host");
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            assertTrue(m.length() < 400, m);
            assertTrue(m.chars().allMatch(c -> (c >= 0x20 && c < 0x7F) || c == 0xFC), m);
            return;
        }
        assertEquals(canonical, Hosts.canonicalHost(canonical, "host"));
        assertTrue(canonical.length() <= Hosts.MAX_NAME_LENGTH + 1 || canonical.indexOf(':') >= 0);
        assertTrue(canonical.chars().allMatch(c -> c < 0x7F && c > 0x20), canonical);
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> label = Combinators.combine(
                Arbitraries.strings().withChars("abcxyzABCXYZ019_").ofMinLength(1).ofMaxLength(1),
                Arbitraries.strings().withChars("abcxyzABCXYZ019_-").ofMaxLength(61),
                Arbitraries.strings().withChars("abcxyzABCXYZ019_").ofMinLength(1).ofMaxLength(1))
                .as((x, mid, y) -> x + mid + y);
        Arbitrary<String> last = label.filter(l -> !l.chars().allMatch(Character::isDigit));
        return Combinators.combine(label.list().ofMaxSize(3), last).as((ls, l) -> {
            StringBuilder sb = new StringBuilder();
            for (String s : ls) {
                sb.append(s).append('.');
            }
            return sb.append(l).toString();
        }).filter(n -> n.length() <= Hosts.MAX_NAME_LENGTH);
    }

    @Provide
    Arbitrary<String> junk() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("a1.-_:[]% \u0000\u00fc\uff11/\ufeff").ofMaxLength(20),
                Arbitraries.of(List.of(".", "..", "-", "[1.2.3.4]", "1.2.3.4.5", "::1", "[::1]",
                        "a..b", "x:80", "999.999.999.999")),
                Arbitraries.strings().ascii().ofMaxLength(300));
    }
}
