package io.lbkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuoteTest {

    @Test
    void printableAscii_isQuotedAsIs() {
        assertEquals("'10.0.0.1:80 eu-1a'", Quote.quote("10.0.0.1:80 eu-1a"));
        assertEquals("null", Quote.quote(null));
    }

    @Test
    void controlAndNonAsciiCharacters_areEscaped() {
        assertEquals("'a\\u0000b\\t\\r\\n\\u001b\\ufeff\\u00fc\\'\\\\'",
                Quote.quote("a\u0000b\t\r\n\u001b\ufeff\u00fc'\\"));
    }

    @Test
    void longInput_isCutWithAMarkerNamingItsLength() {
        String q = Quote.quote("x".repeat(100_000));
        assertTrue(q.endsWith("'...(100000 chars)"), q);
        assertTrue(q.length() <= Quote.MAX_CHARS + 24, q);
        String binary = Quote.quote("\u0000".repeat(1000));
        assertTrue(binary.length() <= Quote.MAX_CHARS + 24, binary);
        assertEquals("'" + "y".repeat(99) + "'", Quote.quote("y".repeat(99)), "no cut below it");
    }
}
