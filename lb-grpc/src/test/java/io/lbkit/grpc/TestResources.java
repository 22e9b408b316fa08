package io.lbkit.grpc;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What an integration test opened (servers, channels, registrations), closed last-first after
 * each test. Register as a field: {@code @RegisterExtension final TestResources resources = new
 * TestResources();}.
 */
final class TestResources implements AfterEachCallback {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** Closes {@code c} after the test, before anything added earlier. */
    void add(AutoCloseable c) {
        closeables.add(c);
    }

    /** {@code n} echo servers on 127.0.0.1, stopped after the test. */
    EchoServers servers(int n) throws Exception {
        EchoServers s = new EchoServers(n);
        closeables.add(s);
        return s;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        closeables.clear();
        if (first != null) {
            throw first;
        }
    }
}
