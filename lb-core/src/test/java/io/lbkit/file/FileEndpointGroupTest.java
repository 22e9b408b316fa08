package io.lbkit.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.testing.Await;
import io.lbkit.testing.FakeScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FileEndpointGroupTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.builder("10.0.0.2", 80).weight(3).zone("z1").build();

    @TempDir
    Path dir;

    private final FakeScheduler clock = new FakeScheduler();

    private FileEndpointGroup polled(Path file) {
        return FileEndpointGroup.builder(file).watch(false).pollInterval(Duration.ofSeconds(2))
                .scheduler(clock).build();
    }

    @Test
    void build_readsFileAtOnce_andIsReady() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n10.0.0.2:80 3 z1\n");
        try (FileEndpointGroup g = polled(f)) {
            assertTrue(g.whenReady().isDone());
            assertEquals(List.of(A, B), g.endpoints());
            assertEquals(Optional.empty(), g.problem());
        }
    }

    @Test
    void poll_picksUpChange() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (FileEndpointGroup g = polled(f)) {
            Files.writeString(f, "10.0.0.2:80 3 z1\n");
            clock.advance(Duration.ofMillis(1999));
            assertEquals(List.of(A), g.endpoints(), "not before the poll interval");
            clock.advance(Duration.ofMillis(1));
            assertEquals(List.of(B), g.endpoints());
        }
    }

    @Test
    void malformedFile_keepsLastGoodSet_andNamesTheLine() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (FileEndpointGroup g = polled(f)) {
            Files.writeString(f, "10.0.0.1:80\n# fine\n10.0.0.2:eighty\n");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(A), g.endpoints());
            String problem = g.problem().orElseThrow();
            assertTrue(problem.startsWith(f + ":3: port must be an integer"),
                    problem);

            Files.writeString(f, "10.0.0.2:80 3 z1\n");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(B), g.endpoints(), "a fixed file is picked up");
            assertEquals(Optional.empty(), g.problem());
        }
    }

    @Test
    void missingFile_groupNotReadyUntilFileAppears() throws Exception {
        Path f = dir.resolve("later");
        try (FileEndpointGroup g = polled(f)) {
            assertFalse(g.whenReady().isDone());
            assertTrue(g.problem().orElseThrow().contains("does not exist"));
            Files.writeString(f, "10.0.0.1:80\n");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(A), g.whenReady().getNow(null));
        }
    }

    @Test
    void deletedFile_keepsLastGoodSet() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (FileEndpointGroup g = polled(f)) {
            Files.delete(f);
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(A), g.endpoints());
            assertTrue(g.problem().isPresent());
        }
    }

    @Test
    void emptyFile_keepsLastGoodSetByDefault_butReplacesItWhenAllowed() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (FileEndpointGroup g = polled(f)) {
            Files.writeString(f, "# all gone\n");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(A), g.endpoints());
        }
        Files.writeString(f, "10.0.0.1:80\n");
        try (FileEndpointGroup g = FileEndpointGroup.builder(f).watch(false).allowEmpty(true)
                .pollInterval(Duration.ofSeconds(2)).scheduler(clock).build()) {
            Files.writeString(f, "# all gone\n");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of(), g.endpoints());
        }
    }

    @Test
    void close_stopsPolling() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        FileEndpointGroup g = polled(f);
        assertEquals(1, clock.pendingDelays().size());
        g.close();
        assertEquals(List.of(), clock.pendingDelays());
    }

    @Test
    void watch_reloadsOnAtomicReplace_withoutWaitingForPoll() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (FileEndpointGroup g = FileEndpointGroup.builder(f)
                .pollInterval(Duration.ofDays(1)).build()) { // only the watch can see the change
            assertEquals(List.of(A), g.whenReady().get(5, TimeUnit.SECONDS));
            Path tmp = Files.writeString(dir.resolve("eps.tmp"), "10.0.0.2:80 3 z1\n");
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Duration took = Await.until("watch event reloads the file", Duration.ofSeconds(20),
                    () -> g.endpoints().equals(List.of(B)), g::endpoints);
            System.out.println("file change visible through WatchService after "
                    + took.toNanos() / 1000 + " us (poll interval: 1 day)");
        }
    }

    @Test
    void endpointGroupFile_usesDefaults() throws Exception {
        Path f = Files.writeString(dir.resolve("eps"), "10.0.0.1:80\n");
        try (EndpointGroup g = EndpointGroup.file(f)) {
            assertEquals(List.of(A), g.whenReady().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void builder_validatesPollIntervalAndSetsOnce() {
        FileEndpointGroup.Builder b = FileEndpointGroup.builder(dir.resolve("x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.pollInterval(Duration.ofMillis(5)));
        assertTrue(e.getMessage().contains("pollInterval must be in 10 ms..1 day"), e.getMessage());
        b.pollInterval(Duration.ofSeconds(1));
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> b.pollInterval(Duration.ofSeconds(2)));
        assertEquals("pollInterval was already set to PT1S", s.getMessage());
        assertThrows(NullPointerException.class, () -> FileEndpointGroup.builder(null));
    }
}
