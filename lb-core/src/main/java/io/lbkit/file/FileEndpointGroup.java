package io.lbkit.file;

import static io.lbkit.internal.Preconditions.checkOnce;
import static io.lbkit.internal.Preconditions.setOnce;
import static java.util.Objects.requireNonNull;

import io.lbkit.AbstractEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.internal.OwnedScheduler;
import io.lbkit.internal.Quote;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An endpoint group read from a file and reloaded when the file changes. Thread-safe.
 *
 * <p>The format is one endpoint per line, {@code host:port [weight] [zone]}:
 *
 * <pre>
 * # orders service
 * 10.0.0.1:8080            # weight 1, no zone
 * 10.0.0.2:8080 5 eu-1a    # weight 5, zone eu-1a
 * [2001:db8::7]:8080 eu-1b # IPv6 literals in brackets; weight 1, zone eu-1b
 * </pre>
 *
 * <p>{@code #} starts a comment; the weight is an integer 1..65535 and comes before the zone; an
 * address may appear once.
 *
 * <p><b>Reloading.</b> The group watches the file's directory with a {@link WatchService} (any
 * event there, which covers editors that write a new file and rename it, and Kubernetes
 * ConfigMap symlink swaps) and also polls the file every {@code pollInterval}, because watch
 * services miss events on network file systems and some platforms only poll. Each check reads
 * the file and compares it with the last content read, so spurious events cost one read. A file
 * that is missing, unreadable, larger than 1 MiB or malformed leaves the last good set in force
 * and is logged once per distinct content, with the line number of the first bad line. A file
 * with no endpoints is treated the same way unless {@link Builder#allowEmpty(boolean)} is set.
 * To change the file atomically, write a new file and rename it over the old one.
 *
 * <p><b>Threads.</b> The first load happens in {@link Builder#build()}, on the caller's
 * thread: the group is ready when that returns, if the file was good. Later loads run on the
 * group's scheduler (by default a daemon thread of its own); the watch service has a daemon
 * thread of its own. {@link #close()} stops both.
 */
public final class FileEndpointGroup extends AbstractEndpointGroup {

    /** 1 MiB: an endpoint list is a few kilobytes; a larger file is most likely the wrong one. */
    static final int MAX_FILE_SIZE = 1 << 20;

    private static final System.Logger LOG = System.getLogger(FileEndpointGroup.class.getName());

    private final Path path;
    private final boolean allowEmpty;
    private final OwnedScheduler scheduler;
    private final WatchService watchService; // null when not watching
    private final ScheduledFuture<?> poll;

    /** Guarded by this. The content of the last check, or null if the file could not be read. */
    private byte[] lastContent;
    /** Guarded by this. The problem last logged, so it is logged once. */
    private String lastProblem;
    private volatile String problem = "";

    private FileEndpointGroup(Path path, Duration pollInterval, boolean watch,
            boolean allowEmpty, ScheduledExecutorService scheduler) {
        this.path = path;
        this.allowEmpty = allowEmpty;
        this.scheduler = OwnedScheduler.of(scheduler, "lbkit-file " + path);
        reload();
        this.watchService = watch ? startWatching() : null;
        long interval = pollInterval.toNanos();
        this.poll = this.scheduler.executor().scheduleWithFixedDelay(this::reload, interval,
                interval, TimeUnit.NANOSECONDS);
    }

    /**
     * A builder for a group read from {@code path}. The file need not exist yet: the group
     * becomes ready when it first reads a good file.
     *
     * @throws IllegalArgumentException if the path is a file system root ({@code /}), which
     *     cannot be a file nor have its directory watched
     */
    public static Builder builder(Path path) {
        requireNonNull(path, "path");
        if (path.toAbsolutePath().getParent() == null || path.getFileName() == null) {
            throw new IllegalArgumentException("path must name a file in a directory, was "
                    + Quote.quote(path.toString()) + " (a file system root)");
        }
        return new Builder(path);
    }

    /** The file this group reads. */
    public Path path() {
        return path;
    }

    /**
     * Why the last check did not update the group (missing file, malformed line, ...), or empty
     * when the last check succeeded.
     */
    public Optional<String> problem() {
        String p = problem;
        return p.isEmpty() ? Optional.empty() : Optional.of(p);
    }

    /**
     * Reads the file and publishes it if it changed and is good; listeners run after the check,
     * outside this group's lock.
     */
    void reload() {
        check();
        deliverPublished();
    }

    /** Reads the file and queues its snapshot if it changed and is good. */
    private synchronized void check() {
        if (isClosed()) {
            return;
        }
        byte[] content;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_SIZE) {
                report(null, path + " is " + size + " bytes, larger than the limit of "
                        + MAX_FILE_SIZE);
                return;
            }
            content = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            report(null, path + " does not exist");
            return;
        } catch (IOException e) {
            report(null, "cannot read " + path + ": " + e);
            return;
        }
        if (Arrays.equals(content, lastContent)) {
            return;
        }
        List<Endpoint> endpoints;
        try {
            endpoints = EndpointFile.parse(new String(content, StandardCharsets.UTF_8));
        } catch (EndpointFile.MalformedException e) {
            report(content, path + ":" + e.line() + ": " + e.reason());
            return;
        }
        if (endpoints.isEmpty() && !allowEmpty) {
            report(content, path + " lists no endpoints");
            return;
        }
        lastContent = content;
        lastProblem = null;
        problem = "";
        publish(endpoints);
    }

    /** Guarded by this. */
    private void report(byte[] content, String message) {
        lastContent = content;
        problem = message;
        if (!message.equals(lastProblem)) {
            lastProblem = message;
            LOG.log(Level.WARNING, this + ": " + message + "; "
                    + (whenReady().isDone() ? "keeping the last good set of "
                            + endpoints().size() + " endpoint(s)" : "not ready yet"));
        }
    }

    private WatchService startWatching() {
        Path dir = path.toAbsolutePath().getParent();
        WatchService ws = null;
        try {
            ws = dir.getFileSystem().newWatchService();
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.INFO, this + ": cannot watch " + dir + " (" + e + "); polling only");
            closeQuietly(ws);
            return null;
        }
        WatchService service = ws;
        daemon(() -> watch(service), "lbkit-file-watch " + path).start();
        return service;
    }

    private void watch(WatchService service) {
        try {
            while (true) {
                WatchKey key = service.take();
                key.pollEvents(); // which file changed does not matter: the content decides
                boolean valid = key.reset();
                try {
                    scheduler.executor().execute(this::reload);
                } catch (RejectedExecutionException e) {
                    return; // closed
                }
                if (!valid) {
                    LOG.log(Level.INFO, this + ": directory watch ended; polling only");
                    return;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(WatchService ws) {
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing a watch service failed", e);
            }
        }
    }

    /** Stops polling and watching. */
    @Override
    public void close() {
        super.close();
        poll.cancel(false);
        closeQuietly(watchService);
        scheduler.close();
    }

    @Override
    public String toString() {
        return "FileEndpointGroup[" + path + "]";
    }

    /**
     * Builds a {@link FileEndpointGroup}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        /** 5 s: the fallback when file events are missed; a check costs one small read. */
        public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

        private final Path path;
        private Duration pollInterval;
        private Boolean watch;
        private Boolean allowEmpty;
        private ScheduledExecutorService scheduler;

        private Builder(Path path) {
            this.path = path;
        }

        /** How often to check the file besides watching it; 10 ms..1 day, default 5 s. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = setOnce("pollInterval", this.pollInterval, pollInterval,
                    Duration.ofMillis(10), Duration.ofDays(1), "10 ms..1 day (PT0.01S..PT24H)");
            return this;
        }

        /**
         * Whether to watch the directory for changes as well as polling; default {@code true}.
         * Turn it off where watch events are unreliable or costly.
         */
        public Builder watch(boolean watch) {
            checkOnce("watch", this.watch);
            this.watch = watch;
            return this;
        }

        /**
         * Whether a file with no endpoints replaces the current set; default {@code false}, as a
         * file being rewritten in place may be read empty for a moment.
         */
        public Builder allowEmpty(boolean allowEmpty) {
            checkOnce("allowEmpty", this.allowEmpty);
            this.allowEmpty = allowEmpty;
            return this;
        }

        /**
         * The scheduler that runs polls and reloads; default a daemon thread owned by the group.
         * A given scheduler is not shut down by {@link FileEndpointGroup#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = setOnce("scheduler", this.scheduler, scheduler);
            return this;
        }

        /** Builds the group, reading the file once on this thread. */
        public FileEndpointGroup build() {
            return new FileEndpointGroup(path,
                    pollInterval != null ? pollInterval : DEFAULT_POLL_INTERVAL,
                    watch == null || watch, allowEmpty != null && allowEmpty, scheduler);
        }
    }
}
