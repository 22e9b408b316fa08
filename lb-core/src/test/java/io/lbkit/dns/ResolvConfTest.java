package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

    @Test
    void parse_readsNameserverLinesOnly_atMostThree() {
        List<InetSocketAddress> ns = ResolvConf.parse(List.of(
                "# comment", "search example.com", "options ndots:5",
                "nameserver 10.0.0.2", "nameserver   2001:db8::53", "nameserver dns.example",
                "nameserver 10.0.0.3", "nameserver 10.0.0.4"));
        assertEquals(List.of(new InetSocketAddress("10.0.0.2", 53),
                new InetSocketAddress("2001:db8::53", 53),
                new InetSocketAddress("10.0.0.3", 53)), ns);
    }

    @Test
    void nameservers_defaultToLoopbackWhenNoneOrMissing(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("resolv.conf"), "search example.com\n");
        assertEquals(53, ResolvConf.nameservers(empty).get(0).getPort());
        assertEquals(true, ResolvConf.nameservers(empty).get(0).getAddress().isLoopbackAddress());
        assertEquals(true, ResolvConf.nameservers(dir.resolve("missing")).get(0).getAddress()
                .isLoopbackAddress());
    }
}
