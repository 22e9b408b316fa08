package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every Java block of docs/grpc.md compiles as written, against lb-grpc and grpc-java. */
class DocsExamplesTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");

    @Test
    void javaBlocksOfGrpcDoc_compile(@TempDir Path dir) throws IOException {
        Path doc = Path.of(System.getProperty("basedir", "."), "..", "docs", "grpc.md");
        String text = Files.readString(doc);
        List<File> sources = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(text);
        while (m.find()) {
            Matcher name = CLASS_NAME.matcher(m.group(1));
            assertTrue(name.find(), "each example is a public class: " + m.group(1));
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, m.group(1));
            sources.add(source.toFile());
        }
        assertEquals(4, sources.size(), "the examples of " + doc);
        Matcher first = JAVA_BLOCK.matcher(text);
        assertTrue(first.find());
        String readme = Files.readString(
                Path.of(System.getProperty("basedir", "."), "..", "README.md"));
        assertTrue(readme.contains(first.group(1)),
                "README.md must show docs/grpc.md's first example verbatim");

        // javac through java.util.spi.ToolProvider: java.base only, nothing for module-info.
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        List<String> args = new ArrayList<>(List.of("-Xlint:all", "-Werror",
                "-d", dir.resolve("classes").toString(), "-classpath", classPath()));
        sources.forEach(f -> args.add(f.getPath()));
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        int exit = javac.run(w, w, args.toArray(new String[0]));
        w.flush();
        assertEquals(0, exit, "the examples compile:\n" + out);

        // And the channels they build accept their service configs (an idle channel resolves
        // and connects nothing until its first call).
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(
                new java.net.URL[] {dir.resolve("classes").toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> orders = loader.loadClass("OrdersChannel");
            for (String factory : List.of("fromDns", "fromList")) {
                io.grpc.ManagedChannel ch = (io.grpc.ManagedChannel) orders.getMethod(factory)
                        .invoke(null);
                assertEquals(io.grpc.ConnectivityState.IDLE, ch.getState(false), factory);
                ch.shutdownNow();
            }
            io.grpc.ManagedChannel canary = (io.grpc.ManagedChannel) loader
                    .loadClass("CanaryChannel").getMethod("create").invoke(null);
            assertEquals(io.grpc.ConnectivityState.IDLE, canary.getState(false), "CanaryChannel");
            canary.shutdownNow();
            io.grpc.ManagedChannel hedged = (io.grpc.ManagedChannel) loader
                    .loadClass("HedgedChannel").getMethod("create").invoke(null);
            assertEquals(io.grpc.ConnectivityState.IDLE, hedged.getState(false), "HedgedChannel");
            hedged.shutdownNow();
            io.grpc.NameResolverRegistry registry = io.grpc.NameResolverRegistry.getDefaultRegistry();
            registry.deregister(registry.getProviderForScheme("orders"));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("running the example failed", e);
        }
    }

    /** Everything the tests see: the module path and the class path surefire set up. */
    private static String classPath() {
        List<String> parts = new ArrayList<>();
        for (String key : List.of("jdk.module.path", "java.class.path", "surefire.test.class.path")) {
            String v = System.getProperty(key);
            if (v != null && !v.isEmpty()) {
                parts.add(v);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
