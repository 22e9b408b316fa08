package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.etcd.EtcdClient;
import io.lbkit.etcd.EtcdEndpointGroup;
import io.lbkit.etcd.EtcdRegistration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the example of docs/etcd.md (and the README) compiling: its imports and its code must
 * appear here verbatim; the same shape then runs against a real etcd.
 */
@Timeout(60)
class DocExampleTest {

    private static final Path SOURCE = Path.of("src/test/java/io/lbkit/etcd/DocExampleTest.java");
    private static final Path DOC = Path.of("../docs/etcd.md");

    /** The documented example, as written (never run: its endpoint is not on loopback). */
    @SuppressWarnings("unused")
    static LoadBalancer documentedExample() {
        EtcdClient etcd = EtcdClient.of("http://127.0.0.1:2379");

        // On each server: be in the pool while alive (a 10 s lease, renewed), leave it on close or shutdown.
        EtcdRegistration me = EtcdRegistration.builder(etcd, "/services/orders/", Endpoint.of("10.0.0.7", 8080))
                .deregisterOnShutdown(true)
                .build();

        // On each client: the live pool, kept current by an etcd watch.
        LoadBalancer orders = LoadBalancer.of(EtcdEndpointGroup.of(etcd, "/services/orders/"));
        return orders;
    }

    private static String normalise(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    @Test
    void docExample_isTheCompiledExample_andTheReadmeShowsIt() throws Exception {
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        assertTrue(m.find(), "docs/etcd.md has a java block");
        String block = m.group(1);
        int code = block.indexOf("\n\n");
        String imports = normalise(block.substring(0, code));
        String body = normalise(block.substring(code));
        assertTrue(imports.startsWith("import "), imports);
        String source = normalise(Files.readString(SOURCE));
        assertTrue(source.contains(imports), "the example's imports differ from this file's:\n" + imports);
        assertTrue(source.contains(body), "docs/etcd.md's example differs from documentedExample():\n" + body);
        assertTrue(normalise(Files.readString(Path.of("../README.md"))).contains(normalise(block)),
                "README.md must show docs/etcd.md's first example verbatim");
    }

    @Test
    void docExampleShape_worksAgainstARealEtcd(@TempDir Path dir) throws Exception {
        try (EtcdProcesses server = EtcdProcesses.single(dir)) {
            EtcdClient etcd = EtcdClient.of(server.member(0).clientUrl());
            EtcdRegistration me = EtcdRegistration.builder(etcd, "/services/orders/", Endpoint.of("127.0.0.1", 8080))
                    .deregisterOnShutdown(true)
                    .build();
            EtcdEndpointGroup group = EtcdEndpointGroup.of(etcd, "/services/orders/");
            LoadBalancer orders = LoadBalancer.of(group);
            await("the registration reaching the balancer", Duration.ofSeconds(10),
                    () -> orders.stats().size() == 1);
            io.lbkit.Pick pick = orders.pick();
            assertEquals(Endpoint.of("127.0.0.1", 8080), pick.endpoint());
            pick.release();
            me.close();
            await("the deregistration reaching the balancer", Duration.ofSeconds(10),
                    () -> orders.stats().isEmpty());
            orders.close();
            group.close();
            me.whenRegistered().get(1, TimeUnit.SECONDS);
            etcd.close();
        }
    }
}
