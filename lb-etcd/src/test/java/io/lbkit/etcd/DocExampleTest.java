package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
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
 * The example of docs/etcd.md: the README shows it verbatim, and its shape runs against a real
 * etcd here.
 */
@Timeout(60)
class DocExampleTest {

    private static final Path DOC = Path.of("../docs/etcd.md");

    private static String normalise(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    /**
     * The README shows docs/etcd.md's first example verbatim; lb-demo's ReadmeExamplesTest
     * compiles every README example as the complete file it is.
     */
    @Test
    void readmeShowsTheDocExample() throws Exception {
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        assertTrue(m.find(), "docs/etcd.md has a java block");
        String block = m.group(1);
        assertTrue(block.contains("public class EtcdExample"), block);
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
            // stats() lists an endpoint as soon as the balancer has taken the snapshot; the
            // routing table pick() reads is published just after, outside the balancer's lock.
            await("the registration reaching the balancer's table", Duration.ofSeconds(10),
                    () -> picks(orders));
            assertEquals(1, orders.stats().size());
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

    /** Whether {@code lb} picks an endpoint now; the pick is released at once. */
    private static boolean picks(LoadBalancer lb) {
        try {
            lb.pick().release();
            return true;
        } catch (NoEndpointAvailableException e) {
            return false;
        }
    }
}
