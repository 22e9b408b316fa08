package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.lbkit.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** etcd with authentication enabled: user and password, tokens that expire, bad credentials. */
@Timeout(60)
class EtcdAuthTest {

    @Test
    void credentials_tokenRenewal_andRefusals(@TempDir Path dir) throws Exception {
        // --auth-token-ttl=1: etcd's simple tokens expire after 1 s unused
        try (EtcdProcesses etcd = EtcdProcesses.single(dir, "--auth-token-ttl=1")) {
            etcd.etcdctl("user", "add", "root", "--new-user-password=r00t-pw", "--interactive=false");
            etcd.etcdctl("auth", "enable");

            try (EtcdClient root = EtcdClient.builder(etcd.clientUrls()).credentials("root", "r00t-pw").build();
                    EtcdEndpointGroup group = EtcdEndpointGroup.of(root, "/services/secure/");
                    EtcdRegistration r = EtcdRegistration.builder(root, "/services/secure/",
                            Endpoint.of("127.0.0.1", 5001)).build()) {
                r.whenRegistered().get(10, TimeUnit.SECONDS);
                await("the group seeing the registration", Duration.ofSeconds(5),
                        () -> group.endpoints().equals(List.of(Endpoint.of("127.0.0.1", 5001))));
                assertFalse(root.toString().contains("r00t-pw"), root.toString());

                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2500)); // the token expires
                JsonObject range = new JsonObject();
                range.addProperty("key", Json.base64("/services/secure/127.0.0.1:5001"));
                JsonObject answer = root.call("/v3/kv/range", range);
                assertEquals("1", answer.get("count").getAsString(), "re-authenticated transparently");
            }

            try (EtcdClient wrong = EtcdClient.builder(etcd.clientUrls()).credentials("root", "guess").build()) {
                EtcdException e = assertThrows(EtcdException.class,
                        () -> wrong.call("/v3/kv/range", new JsonObject()));
                assertTrue(e.getMessage().contains("refused the credentials of user \"root\""), e.getMessage());
                assertFalse(e.getMessage().contains("guess"), e.getMessage());
                assertEquals(EtcdClient.INVALID_ARGUMENT, e.code(), e.getMessage());
            }
            try (EtcdClient anonymous = EtcdClient.of(etcd.clientUrls())) {
                JsonObject range = new JsonObject();
                range.addProperty("key", Json.base64("/services/secure/"));
                EtcdException e = assertThrows(EtcdException.class, () -> anonymous.call("/v3/kv/range", range));
                assertTrue(e.getMessage().contains("refused /v3/kv/range"), e.getMessage());
            }
        }
    }
}
