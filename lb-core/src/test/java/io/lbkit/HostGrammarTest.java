package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.dns.DnsEndpointGroup;
import java.net.IDN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression tests: {@code Endpoint} accepted hosts that are neither names nor addresses, and
 * disagreed with {@code DnsEndpointGroup.builder} about them. One grammar now serves both.
 */
class HostGrammarTest {

    static String[] notHosts() {
        return new String[] {"999.999.999.999", "1.2.3.4.5", "256.1.1.1", "1.2.3", "123",
            "010.0.0.1", ".", "..", "-", "a..b", ".a", "-a.com", "a-.com", "a.-b.com",
            "x".repeat(64) + ".com", "a.".repeat(127) + "com", "x".repeat(100_000),
            "m\u00fcnchen.de", "\uff11\uff12\uff17.0.0.1", "[1.2.3.4]", "[example.com]",
            "\ufeff10.0.0.5"};
    }

    @ParameterizedTest
    @MethodSource("notHosts")
    void endpoint_rejectsWhatIsNeitherAHostNameNorAnAddress(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(host, 80));
        assertSafeToLog(e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("notHosts")
    void dnsBuilder_rejectsTheSameHosts(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DnsEndpointGroup.builder(host, 80));
        assertSafeToLog(e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "orders.internal", "orders.internal.", "a-b.c-d.example",
        "my_service", "xn--mnchen-3ya.de", "1a.example", "a.b2c", "0.0.0.0", "255.255.255.255",
        "10.0.0.1", "::1", "[2001:db8::1]"})
    void endpoint_acceptsNamesAndAddresses(String host) {
        Endpoint.of(host, 80); // does not throw
    }

    @Test
    void longestNameAndLabel_areAccepted() {
        String label63 = "x".repeat(63);
        String name253 = (label63 + ".").repeat(3) + "y".repeat(61); // 3 * 64 + 61 = 253
        assertEquals(253, name253.length());
        assertEquals(name253, Endpoint.of(name253, 80).host());
        assertEquals(name253, Endpoint.of(name253 + ".", 80).host().substring(0, 253));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of(name253 + "y", 80));
    }

    @Test
    void internationalNames_passTheirALabel() {
        String ascii = IDN.toASCII("m\u00fcnchen.de");
        assertEquals("xn--mnchen-3ya.de", Endpoint.of(ascii, 80).host());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("m\u00fcnchen.de", 80));
        assertTrue(e.getMessage().contains("java.net.IDN.toASCII"), e.getMessage());
        assertTrue(e.getMessage().endsWith("was 'm\\u00fcnchen.de'"), e.getMessage());
    }

    @Test
    void dnsBuilder_withAPort_saysSoRatherThanCallingItAnIpLiteral() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DnsEndpointGroup.builder("a.com:80", 80));
        assertEquals("host must be a DNS name without a port (give the port separately);"
                + " was 'a.com:80'", e.getMessage());
        IllegalArgumentException ip = assertThrows(IllegalArgumentException.class,
                () -> DnsEndpointGroup.builder("10.0.0.1", 80));
        assertTrue(ip.getMessage().startsWith("host must be a DNS name, not the IP literal"
                + " '10.0.0.1'"), ip.getMessage());
    }

    @Test
    void bracketsAroundAnythingButIpv6_areRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("[example.com]", 80));
        assertEquals("host may be in brackets only when it is an IPv6 literal;"
                + " was '[example.com]'", e.getMessage());
    }

    @Test
    void aHugeName_isQuotedTruncated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("x".repeat(100_000), 80));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertTrue(e.getMessage().endsWith("...(100000 chars)"), e.getMessage());
    }

    @Test
    void aByteOrderMark_isShownEscaped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("\ufeff10.0.0.5", 80));
        assertTrue(e.getMessage().endsWith("was '\\ufeff10.0.0.5'"), e.getMessage());
    }

    /** Printable ASCII only, and not megabytes of it. */
    static void assertSafeToLog(String message) {
        assertTrue(message.length() < 400, "message of " + message.length() + " chars");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            // the IDN hint names münchen.de itself: the one non-ASCII text a message may hold
            assertTrue((c >= 0x20 && c < 0x7F) || c == '\u00fc',
                    "unsafe char U+" + Integer.toHexString(c) + " in " + message);
        }
    }
}
