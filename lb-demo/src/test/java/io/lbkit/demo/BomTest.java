package io.lbkit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bill of materials stays in step with the build: it lists every published module at the
 * parent's version, and the README's dependency snippets name only modules that exist.
 */
class BomTest {

    /** Modules that are built but not published (no Maven coordinates for users). */
    private static final Set<String> UNPUBLISHED = Set.of("lbkit-bom", "lb-demo", "sim",
            "proxy-bench", "jmh", "tool-cli");

    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..");

    private static String firstMatch(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex);
        return m.group(1);
    }

    private static List<String> all(String text, String regex) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void bom_listsEveryPublishedModuleAtTheParentVersion() throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String bom = Files.readString(ROOT.resolve("lbkit-bom/pom.xml"));
        assertEquals(firstMatch(parent, "<artifactId>lbkit-parent</artifactId>\\s*<version>([^<]+)</version>"),
                firstMatch(bom, "<artifactId>lbkit-bom</artifactId>\\s*<version>([^<]+)</version>"),
                "lbkit-bom's version");

        Set<String> published = new TreeSet<>();
        for (String module : all(parent, "<module>([^<]+)</module>")) {
            if (!UNPUBLISHED.contains(module)) {
                String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
                published.add(firstMatch(pom, "</parent>\\s*<artifactId>([^<]+)</artifactId>"));
            }
        }
        assertTrue(published.contains("lb-core"), "published modules: " + published);
        assertEquals(published, new TreeSet<>(all(bom, "<artifactId>(lb-[^<]+)</artifactId>")),
                "lbkit-bom/pom.xml lists exactly the published modules");
    }

    @Test
    void readmeDependencySnippets_nameOnlyPublishedModules() throws IOException {
        String readme = Files.readString(ReadmeExamplesTest.readme());
        String bom = Files.readString(ROOT.resolve("lbkit-bom/pom.xml"));
        Set<String> inBom = new TreeSet<>(all(bom, "<artifactId>(lb-[^<]+)</artifactId>"));
        Set<String> inReadme = new TreeSet<>();
        for (String block : all(readme, "(?s)```xml\\n(.*?)```")) {
            inReadme.addAll(all(block, "<artifactId>(lb[^<]+)</artifactId>"));
        }
        inReadme.remove("lbkit-bom");
        assertEquals(inBom, inReadme, "README.md shows a dependency snippet for each published module");
    }
}
