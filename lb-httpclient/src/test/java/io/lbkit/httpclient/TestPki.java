package io.lbkit.httpclient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away PKI made with the JDK's keytool: a CA, and server certificates it signs for
 * chosen DNS names. Nothing is trusted but the CA. {@link #create} returns the client's context
 * under {@code "client"} and each server's under its alias.
 */
final class TestPki {

    private static final char[] PASS = "changeit".toCharArray();
    private final Path dir;
    private final KeyStore ca;

    private TestPki(Path dir, KeyStore ca) {
        this.dir = dir;
        this.ca = ca;
    }

    /**
     * Makes the CA and, in parallel (each keytool run is a JVM start), a key pair and signing
     * request per server; then the CA signs each request.
     *
     * @param servers alias, then its DNS names, per server
     * @return the PKI and, per server alias, its server SSLContext
     */
    static Map<String, SSLContext> create(Path dir, String[]... servers) throws Exception {
        CompletableFuture<Void> caReady = CompletableFuture.runAsync(() -> keytoolUnchecked(dir,
                "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=lbkit test CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", "ca.p12"));
        List<CompletableFuture<Void>> requests = new ArrayList<>();
        for (String[] server : servers) {
            String alias = server[0];
            requests.add(CompletableFuture.runAsync(() -> {
                keytoolUnchecked(dir, "-genkeypair", "-alias", alias, "-keyalg", "EC",
                        "-groupname", "secp256r1", "-dname", "CN=" + server[1], "-validity", "2",
                        "-keystore", alias + ".p12");
                keytoolUnchecked(dir, "-certreq", "-alias", alias, "-keystore", alias + ".p12",
                        "-file", alias + ".csr");
            }));
        }
        caReady.get();
        for (CompletableFuture<Void> r : requests) {
            r.get();
        }
        TestPki pki = new TestPki(dir, load(dir.resolve("ca.p12")));
        Map<String, CompletableFuture<SSLContext>> signed = new LinkedHashMap<>();
        for (String[] server : servers) {
            signed.put(server[0], pki.serverContext(server[0],
                    Arrays.copyOfRange(server, 1, server.length)));
        }
        Map<String, SSLContext> result = new LinkedHashMap<>();
        result.put("client", pki.clientContext());
        for (Map.Entry<String, CompletableFuture<SSLContext>> e : signed.entrySet()) {
            result.put(e.getKey(), e.getValue().get());
        }
        return result;
    }

    /** An SSLContext that trusts only this CA. */
    private SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.getCertificate("ca"));
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Signs the server's request: a server SSLContext whose certificate names dnsNames. */
    private CompletableFuture<SSLContext> serverContext(String alias, String... dnsNames) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String store = alias + ".p12";
                keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12",
                        "-infile", alias + ".csr", "-outfile", alias + ".pem", "-rfc",
                        "-validity", "2", "-ext", "SAN=dns:" + String.join(",dns:", dnsNames));
                KeyStore own = load(dir.resolve(store));
                Certificate leaf;
                try (InputStream in = Files.newInputStream(dir.resolve(alias + ".pem"))) {
                    leaf = CertificateFactory.getInstance("X.509").generateCertificate(in);
                }
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("server", (PrivateKey) own.getKey(alias, PASS), PASS,
                        new Certificate[] {leaf, ca.getCertificate("ca")});
                KeyManagerFactory kmf =
                        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, PASS);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), null, null);
                return ctx;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static KeyStore load(Path p) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, PASS);
        }
        return ks;
    }

    private static void keytoolUnchecked(Path dir, String... args) {
        try {
            keytool(dir, args);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")); // starts faster
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", "changeit", "-keypass", "changeit", "-storetype",
                "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
