package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class LookupsTest {

    @Test
    void answer_chasesCnameChainAndKeepsShortestTtl() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 4, 0, 0)
                .question("www.example.com", DnsMessage.TYPE_A)
                .cname("www.example.com", 300, "lb.example.net")
                .cname("LB.example.net", 20, "pool.example.net")
                .a("pool.example.net", 60, "192.0.2.2")
                .a("pool.example.net", 90, "192.0.2.1")
                .toBytes();
        Lookups.Answer a = Lookups.answer(DnsMessage.parse(b, b.length), "www.example.com",
                DnsMessage.TYPE_A);
        assertEquals(2, a.records().size());
        assertEquals(20, a.ttl());
        assertFalse(a.nxdomain());
    }

    @Test
    void answer_ignoresRecordsForOtherNames() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 2, 0, 0)
                .question("a.test", DnsMessage.TYPE_A)
                .a("a.test", 60, "192.0.2.1")
                .a("evil.test", 1, "192.0.2.66")
                .toBytes();
        Lookups.Answer a = Lookups.answer(DnsMessage.parse(b, b.length), "a.test",
                DnsMessage.TYPE_A);
        assertEquals(List.of(InetAddress.getByName("192.0.2.1")),
                a.records().stream().map(r -> ((DnsMessage.Address) r.data()).address()).toList());
        assertEquals(60, a.ttl());
    }

    @Test
    void answer_stopsOnCnameLoop() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 0, false, 1, 2, 0, 0)
                .question("a.test", DnsMessage.TYPE_A)
                .cname("a.test", 60, "b.test")
                .cname("b.test", 60, "a.test")
                .toBytes();
        Lookups.Answer a = Lookups.answer(DnsMessage.parse(b, b.length), "a.test",
                DnsMessage.TYPE_A);
        assertTrue(a.records().isEmpty());
    }

    @Test
    void answer_usesSoaMinimumAsNegativeTtl() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 3, false, 1, 0, 1, 0)
                .question("gone.test", DnsMessage.TYPE_A)
                .soa("test", 3600, 15)
                .toBytes();
        Lookups.Answer a = Lookups.answer(DnsMessage.parse(b, b.length), "gone.test",
                DnsMessage.TYPE_A);
        assertTrue(a.records().isEmpty());
        assertTrue(a.nxdomain());
        assertEquals(15, a.ttl());
    }

    @Test
    void answer_ofNxdomain_hasNoRecordsEvenWhenItCarriesSome() throws Exception {
        byte[] b = DnsWire.compressed().responseHeader(1, 3, false, 1, 2, 0, 0)
                .question("gone.test", DnsMessage.TYPE_A)
                .cname("gone.test", 60, "other.test")
                .a("gone.test", 60, "192.0.2.66")
                .toBytes();
        Lookups.Answer a = Lookups.answer(DnsMessage.parse(b, b.length), "gone.test",
                DnsMessage.TYPE_A);
        assertTrue(a.records().isEmpty(), a.records().toString());
        assertTrue(a.nxdomain());
    }

    @Test
    void unusable_namesUnspecifiedBroadcastAndMulticast_andUnmapTurnsMappedIntoIpv4()
            throws Exception {
        for (String ip : new String[] {"0.0.0.0", "0.1.2.3", "255.255.255.255", "224.0.0.1",
            "239.255.255.250", "::", "ff02::1"}) {
            assertTrue(Resolver.unusable(InetAddress.getByName(ip)) != null, ip);
        }
        for (String ip : new String[] {"127.0.0.1", "10.0.0.1", "240.0.0.1", "255.255.255.254",
            "::1", "2001:db8::1"}) {
            assertEquals(null, Resolver.unusable(InetAddress.getByName(ip)), ip);
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 10;
        mapped[15] = 7;
        assertEquals(InetAddress.getByName("10.0.0.7"),
                Resolver.unmap(java.net.Inet6Address.getByAddress(null, mapped, -1)));
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        assertEquals(v6, Resolver.unmap(v6));
    }
}
