package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.lbkit.Endpoint;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** etcd serving clients over TLS only: the client's SSLContext, and what an untrusted one gets. */
@Timeout(60)
class EtcdTlsTest {

    @Test
    void tls_withTheTrustedContext_works_andWithoutItFails(@TempDir Path dir) throws Exception {
        // A self-signed certificate for 127.0.0.1 from the JDK's keytool, written out as PEM for etcd.
        Path p12 = dir.resolve("etcd.p12");
        String java = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process keytool = new ProcessBuilder(java, "-genkeypair", "-alias", "etcd", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0, out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate cert = ks.getCertificate("etcd");
        Path certPem = dir.resolve("etcd.crt");
        Path keyPem = dir.resolve("etcd.key");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey("etcd", "changeit".toCharArray()).getEncoded()));

        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("etcd", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);

        try (EtcdProcesses etcd = EtcdProcesses.singleTls(dir, certPem, keyPem, trusting)) {
            try (EtcdClient client = EtcdClient.builder(etcd.clientUrls()).sslContext(trusting).build();
                    EtcdEndpointGroup group = EtcdEndpointGroup.of(client, "/services/tls/");
                    EtcdRegistration r = EtcdRegistration.builder(client, "/services/tls/",
                            Endpoint.of("127.0.0.1", 4001)).build()) {
                r.whenRegistered().get(10, TimeUnit.SECONDS);
                await("the watch over TLS", Duration.ofSeconds(5),
                        () -> group.endpoints().equals(List.of(Endpoint.of("127.0.0.1", 4001))));
                etcd.put("/services/tls/b", "127.0.0.1:4002");
                await("a change over TLS", Duration.ofSeconds(5), () -> group.endpoints().size() == 2);
                assertTrue(client.toString().contains("[tls]"), client.toString());
            }
            try (EtcdClient untrusting = EtcdClient.builder(etcd.clientUrls())
                    .connectTimeout(Duration.ofSeconds(1)).build()) { // the JDK's CAs: not this one
                EtcdException e = assertThrows(EtcdException.class,
                        () -> untrusting.call("/v3/kv/range", new JsonObject()));
                assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
                assertEquals(-1, e.code());
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
