package io.lbkit.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** EtcdClient's configuration; the protocol is tested against real etcd elsewhere. */
class EtcdClientTest {

    private static String rejected(String... urls) {
        return assertThrows(IllegalArgumentException.class, () -> EtcdClient.builder(urls)).getMessage();
    }

    private static void assertRejected(String fragment, String... urls) {
        String r = rejected(urls);
        assertTrue(r.contains(fragment), () -> List.of(urls) + " -> " + r);
    }

    @Test
    void endpoints_areValidated() {
        assertRejected("at least one");
        assertRejected("http:// or https://", "127.0.0.1:2379");
        assertRejected("http:// or https://", "ftp://h:1");
        assertRejected("host and a port", "http://h");
        assertRejected("no path", "http://h:1/v3");
        assertRejected("user info", "http://u:p@h:1");
        assertRejected("all be http or all be https", "http://h:1", "https://h:2");
        assertRejected("listed twice", "http://h:1", "http://h:1/");
        assertRejected("not a URL", "http://h :1");
        assertEquals(List.of(URI.create("http://a:1"), URI.create("http://b:2")),
                EtcdClient.builder("http://a:1/", " http://b:2").build().endpoints());
    }

    @Test
    void toString_neverShowsThePassword() {
        EtcdClient c = EtcdClient.builder("http://127.0.0.1:2379").credentials("alice", "s3cret!").build();
        assertFalse(c.toString().contains("s3cret!"), c.toString());
        assertTrue(c.toString().contains("user=alice"), c.toString());
        c.close();
    }

    @Test
    void options_areSetOnce_andRangeChecked() throws Exception {
        EtcdClient.Builder b = EtcdClient.builder("https://127.0.0.1:2379");
        b.requestTimeout(Duration.ofSeconds(1));
        assertTrue(assertThrows(IllegalStateException.class, () -> b.requestTimeout(Duration.ofSeconds(2)))
                .getMessage().contains("requestTimeout was already set to PT1S"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ZERO))
                .getMessage().contains("connectTimeout must be in 1 ms..10 min"));
        assertThrows(IllegalArgumentException.class, () -> b.credentials("", "x"));
        b.credentials("bob", "pw");
        assertTrue(assertThrows(IllegalStateException.class, () -> b.credentials("eve", "pw2"))
                .getMessage().contains("bob"));
        b.sslContext(SSLContext.getDefault());
        assertTrue(b.build().toString().contains("[tls]"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EtcdClient.builder("http://h:1").sslContext(SSLContext.getDefault()).build())
                .getMessage().contains("plain http"));
    }

    @Test
    void noMemberAnswering_failsNamingEveryMember() {
        EtcdClient c = EtcdClient.builder("http://127.0.0.1:1", "http://127.0.0.1:2")
                .connectTimeout(Duration.ofMillis(200)).build();
        EtcdException e = assertThrows(EtcdException.class, () -> c.call("/v3/kv/range", new JsonObject()));
        assertTrue(e.getMessage().contains("no etcd member answered /v3/kv/range"), e.getMessage());
        assertTrue(e.getMessage().contains("http://127.0.0.1:1: ") && e.getMessage().contains("http://127.0.0.1:2: "),
                e.getMessage());
        assertEquals(-1, e.code());
        c.close();
        assertTrue(assertThrows(EtcdException.class, () -> c.call("/v3/kv/range", new JsonObject()))
                .getMessage().contains("closed"));
    }
}
