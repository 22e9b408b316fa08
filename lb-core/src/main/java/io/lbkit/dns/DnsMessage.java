package io.lbkit.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed DNS message (RFC 1035 section 4) and the encoder of the queries this package sends.
 * Immutable.
 *
 * <p>{@link #parse} is written for hostile input: it either returns a message or throws
 * {@link MalformedDnsMessageException}. Its work and allocation are bounded by the message length:
 * section counts must fit in the bytes present (a question needs at least 5 octets, a record at
 * least 11), a name is at most 255 octets on the wire with labels of at most 63, and every
 * compression pointer must point strictly before the lowest offset already visited for that
 * name, so pointer loops cannot occur.
 */
final class DnsMessage {

    static final int TYPE_A = 1;
    static final int TYPE_CNAME = 5;
    static final int TYPE_SOA = 6;
    static final int TYPE_AAAA = 28;
    static final int TYPE_SRV = 33;
    static final int TYPE_OPT = 41;
    static final int CLASS_IN = 1;

    static final int RCODE_NOERROR = 0;
    static final int RCODE_NXDOMAIN = 3;

    static final int HEADER_LENGTH = 12;
    /** The longest name on the wire, length octets and the root label included (RFC 1035 2.3.4). */
    static final int MAX_NAME_OCTETS = 255;
    static final int MAX_LABEL_OCTETS = 63;

    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_TC = 0x0200;
    private static final int FLAG_RD = 0x0100;

    /** A question: the owner name (no trailing dot, escaped as in {@link WireNames#readName}), type, class. */
    record Question(String name, int type, int dnsClass) {}

    /** Record data this package understands; everything else is {@link Opaque}. */
    sealed interface RData permits Address, Name, Srv, Soa, Opaque {}

    /** A or AAAA data. */
    record Address(InetAddress address) implements RData {}

    /** CNAME data: the canonical name. */
    record Name(String name) implements RData {}

    /** SRV data (RFC 2782). The target "" is the root: the service is not offered. */
    record Srv(int priority, int weight, int port, String target) implements RData {}

    /** SOA data; only the negative-caching TTL (RFC 2308) is kept. */
    record Soa(long minimum) implements RData {}

    /** Data of a type this package does not use: only its length is kept. */
    record Opaque(int length) implements RData {}

    /**
     * A resource record.
     *
     * @param ttl seconds, 0..2^31-1 (larger values read as 0, RFC 2181 section 8)
     */
    record Record(String name, int type, int dnsClass, long ttl, RData data) {}

    private final int id;
    private final int flags;
    private final List<Question> questions;
    private final List<Record> answers;
    private final List<Record> authorities;
    private final List<Record> additionals;

    DnsMessage(int id, int flags, List<Question> questions, List<Record> answers,
            List<Record> authorities, List<Record> additionals) {
        this.id = id;
        this.flags = flags;
        this.questions = List.copyOf(questions);
        this.answers = List.copyOf(answers);
        this.authorities = List.copyOf(authorities);
        this.additionals = List.copyOf(additionals);
    }

    int id() {
        return id;
    }

    int flags() {
        return flags;
    }

    boolean isResponse() {
        return (flags & FLAG_QR) != 0;
    }

    int opcode() {
        return (flags >>> 11) & 0xF;
    }

    /** The TC bit: the answer did not fit the UDP payload; ask again over TCP. */
    boolean isTruncated() {
        return (flags & FLAG_TC) != 0;
    }

    int rcode() {
        return flags & 0xF;
    }

    List<Question> questions() {
        return questions;
    }

    List<Record> answers() {
        return answers;
    }

    List<Record> authorities() {
        return authorities;
    }

    List<Record> additionals() {
        return additionals;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes a recursive query for one name. When {@code udpPayloadSize > 0}, an EDNS(0) OPT
     * record (RFC 6891) advertises that payload size.
     *
     * @param name a validated host name, with or without the trailing dot
     */
    static byte[] encodeQuery(int id, String name, int type, int udpPayloadSize) {
        byte[] qname = WireNames.encodeName(name);
        int length = HEADER_LENGTH + qname.length + 4 + (udpPayloadSize > 0 ? 11 : 0);
        byte[] b = new byte[length];
        putShort(b, 0, id);
        putShort(b, 2, FLAG_RD);
        putShort(b, 4, 1); // QDCOUNT
        putShort(b, 10, udpPayloadSize > 0 ? 1 : 0); // ARCOUNT
        int p = HEADER_LENGTH;
        System.arraycopy(qname, 0, b, p, qname.length);
        p += qname.length;
        putShort(b, p, type);
        putShort(b, p + 2, CLASS_IN);
        p += 4;
        if (udpPayloadSize > 0) {
            b[p] = 0; // root owner name
            putShort(b, p + 1, TYPE_OPT);
            putShort(b, p + 3, udpPayloadSize); // the class field carries the payload size
            // TTL (extended rcode, version, flags) and RDLENGTH stay 0
        }
        return b;
    }

    private static void putShort(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
    }

    // ---------------------------------------------------------------- parsing

    /** Reads only the 16-bit id of a message, or -1 when the message is shorter than a header. */
    static int peekId(byte[] b, int length) {
        return length < HEADER_LENGTH ? -1 : u16(b, 0);
    }

    /**
     * Parses a message.
     *
     * @param b the buffer; only {@code b[0..length)} is read
     * @throws MalformedDnsMessageException if the bytes are not a well-formed message within the
     *     bounds described on this class; no other exception
     */
    static DnsMessage parse(byte[] b, int length) throws MalformedDnsMessageException {
        if (length < 0 || length > b.length) {
            throw new MalformedDnsMessageException("length " + length + " outside the buffer");
        }
        if (length < HEADER_LENGTH) {
            throw new MalformedDnsMessageException(
                    "message of " + length + " octets is shorter than the 12-octet header");
        }
        int id = u16(b, 0);
        int flags = u16(b, 2);
        int qd = u16(b, 4);
        int an = u16(b, 6);
        int ns = u16(b, 8);
        int ar = u16(b, 10);
        long minimum = HEADER_LENGTH + 5L * qd + 11L * (an + ns + ar);
        if (minimum > length) {
            throw new MalformedDnsMessageException("section counts (" + qd + ", " + an + ", " + ns
                    + ", " + ar + ") need at least " + minimum + " octets, message has " + length);
        }
        Reader r = new Reader(b, length);
        List<Question> questions = new ArrayList<>(qd);
        for (int i = 0; i < qd; i++) {
            String name = r.name();
            questions.add(new Question(name, r.u16(), r.u16()));
        }
        List<Record> answers = r.records(an);
        List<Record> authorities = r.records(ns);
        List<Record> additionals = r.records(ar);
        return new DnsMessage(id, flags, questions, answers, authorities, additionals);
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    /** A cursor over one message. */
    private static final class Reader {
        private final byte[] b;
        private final int length;
        private int pos = HEADER_LENGTH;

        Reader(byte[] b, int length) {
            this.b = b;
            this.length = length;
        }

        private void need(int n, String what) throws MalformedDnsMessageException {
            if (pos + n > length) {
                throw new MalformedDnsMessageException(
                        what + " at offset " + pos + " runs past the end of the message (" + length
                                + " octets)");
            }
        }

        int u16() throws MalformedDnsMessageException {
            need(2, "16-bit field");
            int v = DnsMessage.u16(b, pos);
            pos += 2;
            return v;
        }

        long u32() throws MalformedDnsMessageException {
            need(4, "32-bit field");
            long v = ((long) DnsMessage.u16(b, pos) << 16) | DnsMessage.u16(b, pos + 2);
            pos += 4;
            return v;
        }

        String name() throws MalformedDnsMessageException {
            String[] out = new String[1];
            pos = WireNames.readName(b, length, pos, out);
            return out[0];
        }

        List<Record> records(int count) throws MalformedDnsMessageException {
            List<Record> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                list.add(record());
            }
            return list;
        }

        private Record record() throws MalformedDnsMessageException {
            String name = name();
            int type = u16();
            int dnsClass = u16();
            long ttl = u32();
            if (ttl > Integer.MAX_VALUE) {
                ttl = 0;
            }
            int rdLength = u16();
            need(rdLength, "record data of " + rdLength + " octets");
            int end = pos + rdLength;
            RData data;
            switch (type) {
                case TYPE_A:
                case TYPE_AAAA:
                    data = address(type, rdLength);
                    break;
                case TYPE_CNAME:
                    data = new Name(nameWithin(end));
                    break;
                case TYPE_SRV: {
                    if (rdLength < 7) {
                        throw new MalformedDnsMessageException(
                                "SRV data of " + rdLength + " octets, at least 7 needed");
                    }
                    int priority = u16();
                    int weight = u16();
                    int port = u16();
                    data = new Srv(priority, weight, port, nameWithin(end));
                    break;
                }
                case TYPE_SOA: {
                    nameWithin(end);
                    nameWithin(end);
                    if (end - pos != 20) {
                        throw new MalformedDnsMessageException("SOA data has " + (end - pos)
                                + " octets after its names, 20 expected");
                    }
                    pos += 16; // serial, refresh, retry, expire
                    long min = u32();
                    data = new Soa(min > Integer.MAX_VALUE ? 0 : min);
                    break;
                }
                default:
                    data = new Opaque(rdLength);
                    pos = end;
            }
            if (pos != end) {
                throw new MalformedDnsMessageException("record data of type " + type + " has "
                        + rdLength + " octets but its content ends at " + (pos - end + rdLength));
            }
            return new Record(name, type, dnsClass, ttl, data);
        }

        private RData address(int type, int rdLength) throws MalformedDnsMessageException {
            int expected = type == TYPE_A ? 4 : 16;
            if (rdLength != expected) {
                throw new MalformedDnsMessageException((type == TYPE_A ? "A" : "AAAA")
                        + " data of " + rdLength + " octets, " + expected + " expected");
            }
            byte[] raw = new byte[expected];
            System.arraycopy(b, pos, raw, 0, expected);
            pos += expected;
            try {
                // Inet6Address.getByAddress keeps IPv4-mapped AAAA data an IPv6 address
                return new Address(type == TYPE_A ? InetAddress.getByAddress(raw)
                        : Inet6Address.getByAddress(null, raw, -1));
            } catch (UnknownHostException e) {
                throw new MalformedDnsMessageException("bad address data: " + e.getMessage());
            }
        }

        /** Reads a name that must end within the record data. */
        private String nameWithin(int end) throws MalformedDnsMessageException {
            String n = name();
            if (pos > end) {
                throw new MalformedDnsMessageException("name in record data overruns its length");
            }
            return n;
        }
    }

    @Override
    public String toString() {
        return "DnsMessage[id=" + id + ", rcode=" + rcode() + (isTruncated() ? ", TC" : "")
                + ", questions=" + questions + ", answers=" + answers + "]";
    }
}
