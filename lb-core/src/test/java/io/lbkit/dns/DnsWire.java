package io.lbkit.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Writes DNS messages byte by byte for tests, with optional name compression. */
final class DnsWire {

    private byte[] buf = new byte[512];
    private int len;
    private final boolean compress;
    private final Map<String, Integer> offsets = new HashMap<>();

    private DnsWire(boolean compress) {
        this.compress = compress;
    }

    static DnsWire compressed() {
        return new DnsWire(true);
    }

    static DnsWire uncompressed() {
        return new DnsWire(false);
    }

    /** A response header: QR set, RD and RA set, the given rcode and counts. */
    DnsWire responseHeader(int id, int rcode, boolean truncated, int qd, int an, int ns, int ar) {
        int flags = 0x8000 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | rcode;
        return header(id, flags, qd, an, ns, ar);
    }

    DnsWire header(int id, int flags, int qd, int an, int ns, int ar) {
        u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
        return this;
    }

    DnsWire question(String name, int type) {
        return name(name).u16(type).u16(DnsMessage.CLASS_IN);
    }

    DnsWire a(String name, long ttl, String ip) {
        return addressRecord(name, DnsMessage.TYPE_A, ttl, ip);
    }

    DnsWire aaaa(String name, long ttl, String ip) {
        return addressRecord(name, DnsMessage.TYPE_AAAA, ttl, ip);
    }

    private DnsWire addressRecord(String name, int type, long ttl, String ip) {
        byte[] raw;
        try {
            raw = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        name(name).u16(type).u16(DnsMessage.CLASS_IN).u32(ttl).u16(raw.length);
        return bytes(raw);
    }

    DnsWire cname(String name, long ttl, String target) {
        name(name).u16(DnsMessage.TYPE_CNAME).u16(DnsMessage.CLASS_IN).u32(ttl);
        int lengthAt = len;
        u16(0);
        name(target);
        return patchLength(lengthAt);
    }

    DnsWire srv(String name, long ttl, int priority, int weight, int port, String target) {
        name(name).u16(DnsMessage.TYPE_SRV).u16(DnsMessage.CLASS_IN).u32(ttl);
        int lengthAt = len;
        u16(0).u16(priority).u16(weight).u16(port);
        name(target);
        return patchLength(lengthAt);
    }

    DnsWire soa(String name, long ttl, long minimum) {
        name(name).u16(DnsMessage.TYPE_SOA).u16(DnsMessage.CLASS_IN).u32(ttl);
        int lengthAt = len;
        u16(0).name("ns." + name).name("admin." + name).u32(1).u32(3600).u32(600).u32(86400)
                .u32(minimum);
        return patchLength(lengthAt);
    }

    /**
     * The question section of {@code query}, copied octet for octet (the first question only),
     * so that a reply echoes a name with any octets exactly, whatever the decoder makes of it.
     */
    DnsWire questionOf(byte[] query) {
        return bytes(Arrays.copyOfRange(query, DnsMessage.HEADER_LENGTH,
                questionEnd(query)));
    }

    /** The end offset of the first question of a query. */
    static int questionEnd(byte[] query) {
        int p = DnsMessage.HEADER_LENGTH;
        while (query[p] != 0) {
            p += 1 + (query[p] & 0xFF); // queries are written uncompressed
        }
        return p + 1 + 4;
    }

    /** The name octets of the first question of a query, labels and root label included. */
    static byte[] questionName(byte[] query) {
        return Arrays.copyOfRange(query, DnsMessage.HEADER_LENGTH, questionEnd(query) - 4);
    }

    /** A name in wire form from raw label octets (uncompressed, root label included). */
    static byte[] wireName(byte[]... labels) {
        DnsWire w = uncompressed();
        for (byte[] l : labels) {
            w.u8(l.length).bytes(l);
        }
        return w.u8(0).toBytes();
    }

    /** An A or AAAA record whose owner is the question name (a pointer to offset 12). */
    DnsWire addressForQuestion(long ttl, String ip) {
        byte[] raw;
        try {
            raw = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        if (ip.indexOf(':') >= 0 && raw.length == 4) { // ::ffff:a.b.c.d parses as IPv4
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(raw, 0, mapped, 12, 4);
            raw = mapped;
        }
        u16(0xC000 | DnsMessage.HEADER_LENGTH)
                .u16(raw.length == 4 ? DnsMessage.TYPE_A : DnsMessage.TYPE_AAAA)
                .u16(DnsMessage.CLASS_IN).u32(ttl).u16(raw.length);
        return bytes(raw);
    }

    /** An SRV record owned by the question name whose target is the given wire name. */
    DnsWire srvForQuestion(long ttl, int priority, int weight, int port, byte[] targetWire) {
        u16(0xC000 | DnsMessage.HEADER_LENGTH).u16(DnsMessage.TYPE_SRV).u16(DnsMessage.CLASS_IN)
                .u32(ttl).u16(6 + targetWire.length).u16(priority).u16(weight).u16(port);
        return bytes(targetWire);
    }

    /** A record of an arbitrary type with raw data. */
    DnsWire raw(String name, int type, long ttl, byte[] rdata) {
        name(name).u16(type).u16(DnsMessage.CLASS_IN).u32(ttl).u16(rdata.length);
        return bytes(rdata);
    }

    private DnsWire patchLength(int lengthAt) {
        int rdLength = len - lengthAt - 2;
        buf[lengthAt] = (byte) (rdLength >>> 8);
        buf[lengthAt + 1] = (byte) rdLength;
        return this;
    }

    DnsWire name(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        while (!n.isEmpty()) {
            String key = n.toLowerCase(Locale.ROOT);
            Integer at = offsets.get(key);
            if (compress && at != null) {
                return u16(0xC000 | at);
            }
            if (len < 0x3FFF) {
                offsets.putIfAbsent(key, len);
            }
            int dot = n.indexOf('.');
            String label = dot < 0 ? n : n.substring(0, dot);
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            u8(l.length);
            bytes(l);
            n = dot < 0 ? "" : n.substring(dot + 1);
        }
        return u8(0);
    }

    DnsWire u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    DnsWire u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    DnsWire u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    DnsWire bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    int length() {
        return len;
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
