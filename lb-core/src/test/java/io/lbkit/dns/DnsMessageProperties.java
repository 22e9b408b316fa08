package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;

/**
 * The parser on hostile input: random and mutated byte arrays only ever yield a message or
 * {@link MalformedDnsMessageException}, quickly, with allocation linear in the message length.
 */
class DnsMessageProperties {

    /** Per-message budget; a pointer loop would spin forever and fail this. */
    private static final Duration TIME_LIMIT = Duration.ofSeconds(2);

    private static final List<byte[]> SEEDS = List.of(
            DnsWire.compressed().responseHeader(1, 0, false, 1, 4, 1, 1)
                    .question("www.example.com", DnsMessage.TYPE_A)
                    .cname("www.example.com", 300, "web.example.com")
                    .a("web.example.com", 60, "192.0.2.1")
                    .aaaa("web.example.com", 30, "2001:db8::1")
                    .srv("_http._tcp.example.com", 10, 1, 2, 8080, "web.example.com")
                    .soa("example.com", 3600, 45)
                    .raw("", DnsMessage.TYPE_OPT, 0, new byte[0])
                    .toBytes(),
            DnsWire.compressed().responseHeader(2, 3, true, 1, 0, 1, 0)
                    .question("gone.example.com", DnsMessage.TYPE_SRV)
                    .soa("example.com", 60, 10)
                    .toBytes(),
            DnsMessage.encodeQuery(3, "a.b.c.d.e.f.example.org", DnsMessage.TYPE_AAAA, 1232));

    @Property(tries = 2000)
    void randomBytes_parseOrThrowDocumentedException(@ForAll @Size(max = 700) byte[] bytes) {
        check(bytes);
    }

    @Property(tries = 3000)
    void mutatedMessages_parseOrThrowDocumentedException(@ForAll("mutated") byte[] bytes) {
        check(bytes);
        // the mutations must reach both outcomes, and allocation must really be measured
        Statistics.label("outcome").coverage(c -> {
            c.check("parsed").count(n -> n > 0);
            c.check("malformed").count(n -> n > 0);
        });
        Statistics.label("allocation").coverage(c -> c.check("measured").percentage(p -> p > 99));
    }

    @Property(tries = 300)
    void pointerSoup_parseOrThrowDocumentedException(@ForAll("pointerSoup") byte[] bytes) {
        check(bytes);
    }

    /**
     * Names with any octets in their labels survive the trip from the wire (readName, which
     * escapes) back to the wire (encodeName, which unescapes) exactly: an SRV target or CNAME
     * is asked for with the octets it was given.
     */
    @Property(tries = 1000)
    void nameReadFromTheWire_encodesBackToTheSameOctets(@ForAll("wireNames") byte[] wire)
            throws MalformedDnsMessageException {
        String[] name = new String[1];
        WireNames.readName(wire, wire.length, 0, name);
        assertTrue(name[0].chars().allMatch(c -> c > 0x20 && c < 0x7F), "printable: " + name[0]);
        assertArrayEquals(wire, WireNames.encodeName(name[0]), name[0]);
    }

    /** Wire names of 1..4 labels of 1..63 random octets, at most 255 octets in all. */
    @Provide
    Arbitrary<byte[]> wireNames() {
        Arbitrary<byte[]> label = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(63);
        return label.list().ofMinSize(1).ofMaxSize(4)
                .filter(ls -> ls.stream().mapToInt(l -> l.length + 1).sum() + 1 <= 255)
                .map(ls -> DnsWire.wireName(ls.toArray(new byte[0][])));
    }

    /** Mutations of valid messages: flipped octets, compression pointers, cuts, big counts. */
    @Provide
    Arbitrary<byte[]> mutated() {
        return Arbitraries.integers().between(0, SEEDS.size() - 1)
                .flatMap(seed -> Arbitraries.longs().map(r -> mutate(SEEDS.get(seed), r)));
    }

    /**
     * A header claiming many records followed by nothing but compression pointers and short
     * labels: the worst case for name decoding.
     */
    @Provide
    Arbitrary<byte[]> pointerSoup() {
        return Arbitraries.longs().map(r -> {
            Random rnd = new Random(r);
            int n = 12 + rnd.nextInt(4000);
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            for (int i = 12; i + 1 < n; i += 2) {
                if (rnd.nextInt(4) != 0) {
                    b[i] = (byte) (0xC0 | rnd.nextInt(0x40) & (i >> 8 | 0x3F));
                    b[i + 1] = (byte) rnd.nextInt(256);
                } else {
                    b[i] = (byte) rnd.nextInt(64);
                }
            }
            b[4] = (byte) rnd.nextInt(256); // QDCOUNT, ANCOUNT: big
            b[6] = (byte) rnd.nextInt(256);
            return b;
        });
    }

    private static byte[] mutate(byte[] seed, long randomSeed) {
        Random rnd = new Random(randomSeed);
        byte[] b = seed.clone();
        int mutations = 1 + rnd.nextInt(8);
        for (int m = 0; m < mutations; m++) {
            int i = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0:
                    b[i] = (byte) rnd.nextInt(256);
                    break;
                case 1: // a compression pointer anywhere, to anywhere
                    if (i + 1 < b.length) {
                        int target = rnd.nextInt(b.length + 16);
                        b[i] = (byte) (0xC0 | (target >>> 8));
                        b[i + 1] = (byte) target;
                    }
                    break;
                case 2:
                    b = Arrays.copyOf(b, i);
                    break;
                case 3: // a large section count
                    if (b.length >= 12) {
                        int field = 4 + 2 * rnd.nextInt(4);
                        b[field] = (byte) rnd.nextInt(256);
                        b[field + 1] = (byte) rnd.nextInt(256);
                    }
                    break;
                default: // a long label length
                    b[i] = (byte) (rnd.nextInt(64) | (rnd.nextBoolean() ? 0 : 0x40));
            }
            if (b.length == 0) {
                break;
            }
        }
        return b;
    }

    /** Parses under a time limit, checks the bounds and records the outcome in statistics. */
    private static void check(byte[] bytes) {
        String[] outcome = assertTimeoutPreemptively(TIME_LIMIT, () -> {
            parseOrNull(bytes); // warm-up: class loading and first-call costs are not the input's
            long before = allocatedBytes();
            String result;
            try {
                DnsMessage m = DnsMessage.parse(bytes, bytes.length);
                int records = m.answers().size() + m.authorities().size()
                        + m.additionals().size();
                assertTrue(records <= bytes.length / 11, "record count bounded by length");
                result = "parsed";
            } catch (MalformedDnsMessageException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
                result = "malformed";
            }
            long after = allocatedBytes();
            if (before >= 0 && after >= 0) {
                // each record at least 11 octets, each name at most 255 octets (4 chars per
                // octet when escaped): allocation is linear in the length, never more
                // (plus a constant for the exception and its stack trace)
                long bound = 128L * 1024 + 2048L * bytes.length;
                assertTrue(after - before <= bound, "allocated " + (after - before)
                        + " bytes parsing " + bytes.length + " bytes; bound " + bound);
            }
            return new String[] {result, before >= 0 ? "measured" : "unavailable"};
        });
        Statistics.label("outcome").collect(outcome[0]);
        Statistics.label("allocation").collect(outcome[1]);
    }

    private static DnsMessage parseOrNull(byte[] bytes) {
        try {
            return DnsMessage.parse(bytes, bytes.length);
        } catch (MalformedDnsMessageException e) {
            return null;
        }
    }

    /**
     * Bytes allocated by this thread, via com.sun.management.ThreadMXBean, or -1 where that is
     * unavailable. Reflection, because the module under test does not read java.management.
     */
    private static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getThreadMXBean").invoke(null);
            Method m = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            return (Long) m.invoke(bean);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
