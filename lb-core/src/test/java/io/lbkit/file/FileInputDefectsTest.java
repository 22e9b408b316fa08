package io.lbkit.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.testing.FakeScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Regression tests for file input that was misread or made unsafe messages. */
@Timeout(30)
class FileInputDefectsTest {

    @TempDir
    Path dir;

    private final FakeScheduler clock = new FakeScheduler();

    @Test
    void crOnlyLineEndings_areLineBreaks_notOneLineWithAZone() throws Exception {
        assertEquals(List.of(Endpoint.of("a", 80), Endpoint.of("b", 80)),
                EndpointFile.parse("a:80\rb:80\r"));
        assertEquals(List.of(Endpoint.of("a", 80), Endpoint.of("b", 80), Endpoint.of("c", 80)),
                EndpointFile.parse("a:80\r\nb:80\nc:80\r"));
    }

    @Test
    void crOnlyLineEndings_numberTheLinesOfErrors() {
        EndpointFile.MalformedException e = assertThrows(EndpointFile.MalformedException.class,
                () -> EndpointFile.parse("a:80\rb:80\rc:x\r"));
        assertEquals(3, e.line());
    }

    @Test
    void aLeadingByteOrderMark_isIgnored() throws Exception {
        assertEquals(List.of(Endpoint.of("10.0.0.5", 80)), EndpointFile.parse("\ufeff10.0.0.5:80\n"));
    }

    @Test
    void aByteOrderMarkInsideTheFile_isQuotedVisibly() {
        EndpointFile.MalformedException e = assertThrows(EndpointFile.MalformedException.class,
                () -> EndpointFile.parse("10.0.0.1:80\n\ufeff10.0.0.5:80\n"));
        assertTrue(e.getMessage().contains("'\\ufeff10.0.0.5'"), e.getMessage());
    }

    @Test
    void builder_ofTheFileSystemRoot_isAClearError_notANullPointerException() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FileEndpointGroup.builder(Path.of("/")).build());
        assertEquals("path must name a file in a directory, was '/' (a file system root)",
                e.getMessage());
    }

    @Test
    void aBinaryFile_givesAProblemSafeToPrintAndLog() throws Exception {
        byte[] binary = new byte[600];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 37); // NUL, control characters, invalid UTF-8
        }
        binary[0] = 'a';
        binary[1] = ':';
        binary[2] = '8';
        Path f = Files.write(dir.resolve("eps"), binary);
        try (FileEndpointGroup g = FileEndpointGroup.builder(f).watch(false)
                .pollInterval(Duration.ofSeconds(1)).scheduler(clock).build()) {
            String problem = g.problem().orElseThrow();
            assertPrintable(problem);
            assertTrue(problem.length() < 400, problem);
            assertTrue(problem.startsWith(f + ":1: "), problem);
            // the WARNING log line is "<group>: <problem>; not ready yet"
        }
    }

    @Test
    void controlCharactersInAZone_areRejected() {
        EndpointFile.MalformedException e = assertThrows(EndpointFile.MalformedException.class,
                () -> EndpointFile.parse("10.0.0.1:80 eu\u0001x\n"));
        assertEquals("line 1: zone must not contain control characters; was 'eu\\u0001x'",
                e.getMessage());
    }

    private static void assertPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            assertTrue(c >= 0x20 && c < 0x7F, "U+" + Integer.toHexString(c) + " in " + s);
        }
    }
}
