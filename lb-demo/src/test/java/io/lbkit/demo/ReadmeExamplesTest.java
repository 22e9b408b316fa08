package io.lbkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of README.md is a complete file (imports included) that compiles as written
 * against the published modules, so a newcomer can paste any example into a project.
 */
class ReadmeExamplesTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("(?m)^public (?:final )?class (\\w+)");

    static Path readme() {
        return Path.of(System.getProperty("basedir", "."), "..", "README.md");
    }

    @Test
    void everyJavaBlockOfReadme_isACompleteFileThatCompiles(@TempDir Path dir) throws IOException {
        String text = Files.readString(readme());
        List<String> sources = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Matcher m = JAVA_BLOCK.matcher(text);
        while (m.find()) {
            String block = m.group(1);
            int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            Matcher name = CLASS_NAME.matcher(block);
            assertTrue(name.find(), "README.md line " + line
                    + ": each Java example is a complete file with a public class");
            assertTrue(names.add(name.group(1)), "README.md line " + line
                    + ": two examples declare class " + name.group(1));
            assertTrue(block.startsWith("import ") || block.startsWith("package "),
                    "README.md line " + line + ": the example starts with its imports");
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            sources.add(source.toString());
        }
        assertTrue(sources.size() >= 4, "README.md has its examples: " + sources);

        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        List<String> args = new ArrayList<>(List.of("-Xlint:all", "-Xlint:-processing", "-Werror",
                "-proc:none", "-d", dir.resolve("classes").toString(), "-classpath", classPath()));
        args.addAll(sources);
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        int exit = javac.run(w, w, args.toArray(new String[0]));
        w.flush();
        assertEquals(0, exit, "README.md's examples compile as written:\n" + out);
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
