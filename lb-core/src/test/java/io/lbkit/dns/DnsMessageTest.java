package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DnsMessageTest {

    @Test
    void encodeQuery_writesHeaderQuestionAndEdnsOpt() throws Exception {
        byte[] q = DnsMessage.encodeQuery(0xBEEF, "svc.example.com", DnsMessage.TYPE_SRV, 1232);
        byte[] expectedStart = {(byte) 0xBE, (byte) 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
            3, 's', 'v', 'c', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 33, 0, 1,
            0, 0, 41, 0x04, (byte) 0xD0, 0, 0, 0, 0, 0, 0};
        assertArrayEquals(expectedStart, q);

        DnsMessage parsed = DnsMessage.parse(q, q.length);
        assertEquals(0xBEEF, parsed.id());
        assertFalse(parsed.isResponse());
        assertEquals(new DnsMessage.Question("svc.example.com", DnsMessage.TYPE_SRV,
                DnsMessage.CLASS_IN), parsed.questions().get(0));
        assertEquals(DnsMessage.TYPE_OPT, parsed.additionals().get(0).type());
    }

    @Test
    void encodeQuery_withoutEdns_hasNoAdditionalRecord() throws Exception {
        byte[] q = DnsMessage.encodeQuery(1, "a.b.", DnsMessage.TYPE_A, 0);
        DnsMessage parsed = DnsMessage.parse(q, q.length);
        assertEquals(0, parsed.additionals().size());
        assertEquals("a.b", parsed.questions().get(0).name());
    }

    @Test
    void parse_readsCompressedAnswerOfEveryKnownType() throws Exception {
        byte[] b = everyKnownType(DnsWire.compressed());
        byte[] plain = everyKnownType(DnsWire.uncompressed());
        assertTrue(b.length < plain.length, "compression pointers were written");
        DnsMessage m = DnsMessage.parse(b, b.length);
        assertEquals(DnsMessage.parse(plain, plain.length).answers(), m.answers());

        assertTrue(m.isResponse());
        assertEquals(7, m.id());
        assertEquals(DnsMessage.RCODE_NOERROR, m.rcode());
        assertEquals(5, m.answers().size());
        assertEquals(new DnsMessage.Name("web.example.com"), m.answers().get(0).data());
        assertEquals(300, m.answers().get(0).ttl());
        assertEquals(new DnsMessage.Address(InetAddress.getByName("192.0.2.1")),
                m.answers().get(1).data());
        assertEquals(InetAddress.getByName("2001:db8::1"),
                ((DnsMessage.Address) m.answers().get(2).data()).address());
        assertEquals(new DnsMessage.Srv(1, 2, 8080, "web.example.com"), m.answers().get(3).data());
        assertEquals(new DnsMessage.Opaque(4), m.answers().get(4).data());
        assertEquals(new DnsMessage.Soa(45), m.authorities().get(0).data());
    }

    private static byte[] everyKnownType(DnsWire w) {
        return w.responseHeader(7, 0, false, 1, 5, 1, 0)
                .question("www.example.com", DnsMessage.TYPE_A)
                .cname("www.example.com", 300, "web.example.com")
                .a("web.example.com", 60, "192.0.2.1")
                .aaaa("web.example.com", 30, "2001:db8::1")
                .srv("_http._tcp.example.com", 10, 1, 2, 8080, "web.example.com")
                .raw("example.com", 16, 5, new byte[] {3, 'a', 'b', 'c'})
                .soa("example.com", 3600, 45)
                .toBytes();
    }

    @Test
    void parse_readsTruncationFlag() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, true, 1, 0, 0, 0)
                .question("x.test", DnsMessage.TYPE_A).toBytes();
        assertTrue(DnsMessage.parse(b, b.length).isTruncated());
        byte[] c = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .question("x.test", DnsMessage.TYPE_A).toBytes();
        assertFalse(DnsMessage.parse(c, c.length).isTruncated());
    }

    @Test
    void parse_readsNxdomainRcode() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 3, false, 1, 0, 0, 0)
                .question("x.test", DnsMessage.TYPE_A).toBytes();
        assertEquals(DnsMessage.RCODE_NXDOMAIN, DnsMessage.parse(b, b.length).rcode());
    }

    @Test
    void parse_readsTtlWithHighBitSetAsZero() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 1, 0, 0)
                .a("x.test", 0x8000_0000L, "192.0.2.1").toBytes();
        assertEquals(0, DnsMessage.parse(b, b.length).answers().get(0).ttl());
    }

    @Test
    void parse_keepsIpv4MappedAaaaAnIpv6Address() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 10;
        mapped[15] = 1;
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 1, 0, 0)
                .raw("x.test", DnsMessage.TYPE_AAAA, 5, mapped).toBytes();
        DnsMessage.Address a = (DnsMessage.Address) DnsMessage.parse(b, b.length).answers()
                .get(0).data();
        assertInstanceOf(Inet6Address.class, a.address());
    }

    @Test
    void parse_escapesDotsAndUnprintableOctetsInLabels() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .u8(3).u8('a').u8('.').u8(0).u8(0).u16(1).u16(1).toBytes();
        assertEquals("a\\.\\000", DnsMessage.parse(b, b.length).questions().get(0).name());
    }

    @Test
    void parse_rejectsPointerLoop() {
        // question name is a pointer to itself at offset 12
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .u16(0xC000 | 12).u16(1).u16(1).toBytes();
        assertMalformed(b, "does not point backward");
    }

    @Test
    void parse_rejectsTwoPointersThatPointAtEachOther() {
        // offset 12: label "a" then pointer to 17; offset 17: pointer to 12
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .u8(1).u8('a').u16(0xC000 | 16).u16(0xC000 | 12).toBytes();
        assertMalformed(b, "does not point backward");
    }

    @Test
    void parse_rejectsForwardPointer() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .u16(0xC000 | 20).u16(1).u16(1).u8(1).u8('a').u8(0).toBytes();
        assertMalformed(b, "does not point backward");
    }

    @Test
    void parse_rejectsReservedLabelType() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .u8(0x40).u8(0).u16(1).u16(1).toBytes();
        assertMalformed(b, "reserved label type");
    }

    @Test
    void parse_rejectsNameLongerThan255Octets() {
        DnsWire w = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0);
        for (int i = 0; i < 5; i++) { // 5 * 64 = 320 octets
            w.u8(63);
            byte[] label = new byte[63];
            Arrays.fill(label, (byte) 'x');
            w.bytes(label);
        }
        byte[] b = w.u8(0).u16(1).u16(1).toBytes();
        assertMalformed(b, "longer than 255 octets");
    }

    @Test
    void parse_rejectsCountsThatCannotFit() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 0xFFFF, 0, 0).toBytes();
        assertMalformed(b, "section counts");
    }

    @Test
    void parse_rejectsShortHeader() {
        assertMalformed(new byte[11], "shorter than the 12-octet header");
    }

    @Test
    void parse_rejectsRecordDataOverrun() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 1, 0, 0)
                .name("x.test").u16(1).u16(1).u32(5).u16(10).u32(0).u32(0).u16(0).toBytes();
        // ... 10 octets of data promised, fine; now promise more than exists:
        byte[] cut = Arrays.copyOf(b, b.length - 3);
        assertMalformed(cut, "runs past the end");
    }

    @Test
    void parse_rejectsAddressOfWrongLength() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 1, 0, 0)
                .raw("x.test", DnsMessage.TYPE_A, 5, new byte[5]).toBytes();
        assertMalformed(b, "4 expected");
    }

    @Test
    void parse_rejectsSrvTargetOverrunningRecordData() {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 0, 1, 0, 0)
                .raw("x.test", DnsMessage.TYPE_SRV, 5,
                        new byte[] {0, 1, 0, 1, 0, 80, 3, 'a', 'b', 'c'}) // target lacks root
                .u8(0).toBytes();
        assertMalformed(b, "overruns");
    }

    @Test
    void parse_readsOnlyTheGivenLength() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 0, 0, 0)
                .question("x.test", DnsMessage.TYPE_A).toBytes();
        byte[] padded = Arrays.copyOf(b, b.length + 100);
        assertEquals(1, DnsMessage.parse(padded, b.length).questions().size());
        assertMalformed(Arrays.copyOf(b, b.length - 1), b.length - 1, "runs past");
    }

    @Test
    void parse_largestMessageOfMaximalCompressedNames_isParsedInFull() throws Exception {
        String longName = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "."
                + "d".repeat(61); // 255 octets on the wire
        int records = (65_535 - 12 - 255 - 4) / 16;
        DnsWire w = DnsWire.compressed().responseHeader(1, 0, false, 1, records, 0, 0)
                .question(longName, DnsMessage.TYPE_A);
        for (int i = 0; i < records; i++) {
            w.a(longName, 5, "192.0.2." + (i % 250 + 1)); // each name: a 2-octet pointer
        }
        byte[] b = w.toBytes();
        assertTrue(b.length <= 65_535, "fits a TCP message: " + b.length);
        DnsMessage m = DnsMessage.parse(b, b.length);
        assertEquals(records, m.answers().size());
        assertEquals(longName, m.answers().get(records - 1).name());
    }

    @Test
    void sameName_ignoresAsciiCase() {
        assertTrue(WireNames.sameName("WWW.Example.COM", "www.example.com"));
        assertFalse(WireNames.sameName("www.example.com", "www.example.co"));
    }

    @Test
    void encodeName_unescapesWhatReadNameEscapes() throws Exception {
        byte[] wire = DnsWire.wireName(new byte[] {'a', '.', 'b'}, new byte[] {'\\', ' ', 1},
                new byte[] {(byte) 0xFF, 'X'}, new byte[] {'t'});
        String[] name = new String[1];
        WireNames.readName(wire, wire.length, 0, name);
        assertEquals("a\\.b.\\\\\\032\\001.\\255X.t", name[0]);
        assertArrayEquals(wire, WireNames.encodeName(name[0]));
        assertArrayEquals(wire, WireNames.encodeName(name[0] + "."), "a trailing dot is allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\\", "a\\1", "a\\12x.b", "a\\256.b", "a..b", ".a", "a.\u00e9.b",
        "a.\\\u00e9.b"})
    void encodeName_rejectsBadEscapesEmptyLabelsAndNonAscii(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WireNames.encodeName(name));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
        assertFalse(e.getMessage().chars().anyMatch(c -> c >= 0x7F), "escaped: " + e.getMessage());
    }

    @Test
    void encodeName_rejectsLabelOver63AndNameOver255OctetsCountingEscapesAsOneOctet() {
        String label63 = "\\001".repeat(63);
        assertEquals(67, WireNames.encodeName(label63 + ".t").length);
        assertThrows(IllegalArgumentException.class,
                () -> WireNames.encodeName(label63 + "x.t"));
        String name = (label63 + ".").repeat(3) + "a".repeat(61); // 3 * 64 + 62 + 1 octets
        assertEquals(255, WireNames.encodeName(name).length);
        assertThrows(IllegalArgumentException.class, () -> WireNames.encodeName(name + "a"));
    }

    private static void assertMalformed(byte[] b, String messagePart) {
        assertMalformed(b, b.length, messagePart);
    }

    private static void assertMalformed(byte[] b, int length, String messagePart) {
        MalformedDnsMessageException e = assertThrows(MalformedDnsMessageException.class,
                () -> DnsMessage.parse(b, length));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
