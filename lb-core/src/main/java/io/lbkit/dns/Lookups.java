package io.lbkit.dns;

import io.lbkit.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** Turns DNS answers into endpoint lists: address lookups and SRV lookups. Stateless. */
final class Lookups {

    /** At most 8 CNAMEs are followed inside one answer; more is a misconfiguration or a loop. */
    static final int MAX_CNAME_CHAIN = 8;

    private static final System.Logger LOG = System.getLogger(DnsEndpointGroup.class.getName());

    private Lookups() {}

    /** What one resolution found. */
    record Resolution(List<Endpoint> endpoints, long ttlSeconds, String emptyReason) {
        /** An empty result; {@code negativeTtl} is -1 when the answer carried none. */
        static Resolution empty(long negativeTtl, String reason) {
            return new Resolution(List.of(), negativeTtl, reason);
        }
    }

    /** Resolves a name to endpoints. Implementations block the calling thread. */
    interface Source {
        Resolution resolve() throws IOException;
    }

    /**
     * The records of {@code type} that answer {@code name}, following CNAMEs inside the answer
     * section. {@code ttl} is the smallest TTL of the records and CNAMEs used, or, when there are
     * no records, the negative-caching TTL of the SOA in the authority section (-1 if none).
     */
    record Answer(List<DnsMessage.Record> records, long ttl, boolean nxdomain) {}

    static Answer answer(DnsMessage m, String name, int type) {
        String owner = name;
        long ttl = Long.MAX_VALUE;
        List<DnsMessage.Record> found = new ArrayList<>();
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
            DnsMessage.Record cname = null;
            for (DnsMessage.Record r : m.answers()) {
                if (r.dnsClass() != DnsMessage.CLASS_IN || !DnsMessage.sameName(r.name(), owner)) {
                    continue;
                }
                if (r.type() == type) {
                    found.add(r);
                    ttl = Math.min(ttl, r.ttl());
                } else if (r.type() == DnsMessage.TYPE_CNAME && cname == null) {
                    cname = r;
                }
            }
            if (!found.isEmpty() || cname == null) {
                break;
            }
            ttl = Math.min(ttl, cname.ttl());
            owner = ((DnsMessage.Name) cname.data()).name();
        }
        boolean nxdomain = m.rcode() == DnsMessage.RCODE_NXDOMAIN;
        if (found.isEmpty()) {
            long negative = -1;
            for (DnsMessage.Record r : m.authorities()) {
                if (r.data() instanceof DnsMessage.Soa) {
                    negative = Math.min(r.ttl(), ((DnsMessage.Soa) r.data()).minimum());
                }
            }
            return new Answer(List.of(), negative, nxdomain);
        }
        return new Answer(List.copyOf(found), ttl, nxdomain);
    }

    /** Addresses of one name in the families' order, sorted within a family. */
    record Addresses(List<InetAddress> addresses, long ttl, boolean nxdomain) {}

    private static final Comparator<InetAddress> BY_BYTES =
            (a, b) -> Arrays.compareUnsigned(a.getAddress(), b.getAddress());

    static Addresses addresses(DnsClient client, String name, AddressFamilies families)
            throws IOException {
        List<InetAddress> out = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        long negative = -1;
        boolean nxdomain = false;
        for (int i = 0; i < families.typeCount(); i++) {
            int type = families.type(i);
            Answer a = answer(client.query(name, type), name, type);
            nxdomain |= a.nxdomain();
            if (a.records().isEmpty()) {
                negative = negative < 0 ? a.ttl() : Math.min(negative, a.ttl());
                continue;
            }
            TreeSet<InetAddress> sorted = new TreeSet<>(BY_BYTES);
            for (DnsMessage.Record r : a.records()) {
                sorted.add(((DnsMessage.Address) r.data()).address());
            }
            out.addAll(sorted);
            ttl = Math.min(ttl, a.ttl());
        }
        return out.isEmpty() ? new Addresses(List.of(), negative, nxdomain)
                : new Addresses(List.copyOf(out), ttl, nxdomain);
    }

    /** A and/or AAAA records of one host name: one endpoint per address, weight 1. */
    static Source addressSource(DnsClient client, String host, int port,
            AddressFamilies families) {
        return () -> {
            Addresses a = addresses(client, host, families);
            if (a.addresses().isEmpty()) {
                return Resolution.empty(a.ttl(), a.nxdomain() ? "NXDOMAIN" : "no address records");
            }
            List<Endpoint> endpoints = new ArrayList<>(a.addresses().size());
            for (InetAddress address : a.addresses()) {
                endpoints.add(Endpoint.of(address.getHostAddress(), port));
            }
            return new Resolution(endpoints, a.ttl(), "");
        };
    }

    /**
     * SRV records of {@code _service._proto.name}: each target's addresses at the record's port.
     * SRV priorities become endpoint priorities by rank (the lowest SRV priority is 0, the next
     * 1, ..., capped at {@link Endpoint#MAX_PRIORITY}); SRV weight w becomes weight max(w, 1).
     * Records with target "." (service not offered) or port 0 are skipped; an address reached by
     * two records keeps the first in (priority, descending weight) order.
     */
    static Source srvSource(DnsClient client, String srvName, AddressFamilies families) {
        return () -> {
            Answer srv = answer(client.query(srvName, DnsMessage.TYPE_SRV), srvName,
                    DnsMessage.TYPE_SRV);
            List<DnsMessage.Srv> records = new ArrayList<>();
            for (DnsMessage.Record r : srv.records()) {
                DnsMessage.Srv s = (DnsMessage.Srv) r.data();
                if (s.target().isEmpty() || s.port() == 0) {
                    LOG.log(System.Logger.Level.DEBUG, "skipping SRV record " + r);
                    continue;
                }
                records.add(s);
            }
            if (records.isEmpty()) {
                return Resolution.empty(srv.ttl(), srv.nxdomain() ? "NXDOMAIN" : "no SRV records");
            }
            records.sort(Comparator.comparingInt(DnsMessage.Srv::priority)
                    .thenComparing(Comparator.comparingInt(DnsMessage.Srv::weight).reversed())
                    .thenComparing(s -> s.target().toLowerCase(Locale.ROOT))
                    .thenComparingInt(DnsMessage.Srv::port));
            Map<Integer, Integer> rank = new HashMap<>();
            for (DnsMessage.Srv s : records) {
                rank.putIfAbsent(s.priority(), Math.min(rank.size(), Endpoint.MAX_PRIORITY));
            }
            long ttl = srv.ttl();
            Map<String, Addresses> targets = new HashMap<>();
            Map<String, Endpoint> endpoints = new LinkedHashMap<>();
            for (DnsMessage.Srv s : records) {
                String key = s.target().toLowerCase(Locale.ROOT);
                Addresses a = targets.get(key);
                if (a == null) {
                    a = addresses(client, s.target(), families);
                    targets.put(key, a);
                }
                if (a.addresses().isEmpty()) {
                    LOG.log(System.Logger.Level.DEBUG, "SRV target " + s.target() + " of "
                            + srvName + " has no addresses");
                    continue;
                }
                ttl = Math.min(ttl, a.ttl());
                for (InetAddress address : a.addresses()) {
                    Endpoint e = Endpoint.builder(address.getHostAddress(), s.port())
                            .weight(Math.max(Endpoint.MIN_WEIGHT, s.weight()))
                            .priority(rank.get(s.priority()))
                            .build();
                    endpoints.putIfAbsent(e.address(), e);
                }
            }
            if (endpoints.isEmpty()) {
                return Resolution.empty(-1, "no SRV target has addresses");
            }
            return new Resolution(List.copyOf(endpoints.values()), ttl, "");
        };
    }
}
