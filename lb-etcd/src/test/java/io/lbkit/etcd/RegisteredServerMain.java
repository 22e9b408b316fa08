package io.lbkit.etcd;

import io.lbkit.Endpoint;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for {@link EtcdRegistrationTest}: registers {@code 127.0.0.1:<port>} under a prefix
 * with deregistration on shutdown, prints {@code REGISTERED}, then waits to be killed. Arguments:
 * etcd URL, prefix, port, TTL seconds. Ends by itself after 2 minutes.
 */
public final class RegisteredServerMain {
    private RegisteredServerMain() {}

    public static void main(String[] args) throws Exception {
        EtcdClient client = EtcdClient.of(args[0]);
        EtcdRegistration r = EtcdRegistration.builder(client, args[1],
                        Endpoint.of("127.0.0.1", Integer.parseInt(args[2])))
                .ttl(Duration.ofSeconds(Long.parseLong(args[3])))
                .deregisterOnShutdown(true)
                .build();
        r.whenRegistered().get(30, TimeUnit.SECONDS);
        System.out.println("REGISTERED " + r.key());
        System.out.flush();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // a server at work
        }
    }
}
