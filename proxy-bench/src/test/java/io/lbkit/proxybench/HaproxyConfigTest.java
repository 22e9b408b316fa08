package io.lbkit.proxybench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HaproxyConfigTest {

    @Test
    void config_balancesRoundRobinInHttpModeOverEveryBackendOnLoopback() {
        String cfg = Haproxy.config(18080, List.of(9001, 9002, 9003), 192);
        List<String> lines = cfg.lines().map(String::strip).toList();
        assertTrue(lines.contains("mode http"), cfg);
        assertTrue(lines.contains("balance roundrobin"), cfg);
        assertTrue(lines.contains("option http-keep-alive"), cfg);
        assertTrue(lines.contains("maxconn 192"), cfg);
        assertTrue(lines.contains("bind 127.0.0.1:18080"), cfg);
        assertTrue(lines.contains("server b1 127.0.0.1:9001"), cfg);
        assertTrue(lines.contains("server b2 127.0.0.1:9002"), cfg);
        assertTrue(lines.contains("server b3 127.0.0.1:9003"), cfg);
        assertEquals(3, lines.stream().filter(l -> l.startsWith("server ")).count(), cfg);
        assertFalse(cfg.contains("0.0.0.0"), cfg);
        assertFalse(cfg.contains(" check"), "no health checks: they would add traffic\n" + cfg);
    }

    @Test
    void config_setsEveryTimeoutHaproxyWarnsAbout() {
        String cfg = Haproxy.config(1, List.of(2), 1);
        for (String t : List.of("timeout connect", "timeout client", "timeout server")) {
            assertTrue(cfg.contains(t), t + " missing:\n" + cfg);
        }
    }

    @Test
    void config_rejectsNoBackends() {
        assertThrows(IllegalArgumentException.class, () -> Haproxy.config(1, List.of(), 1));
    }
}
