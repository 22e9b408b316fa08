package io.lbkit.cli;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The level of lbkit's log (the {@code java.util.logging} logger {@code io.lbkit}, parent of every
 * lbkit logger) for the run of a program: the programs count health events in their tables, so
 * the log lines would only interleave with them. Thread-safe.
 *
 * <p>The logger is kept here as well: the {@code LogManager} holds loggers weakly, so a level set
 * on {@code Logger.getLogger("io.lbkit")} and not kept would be lost when the logger is
 * collected before lbkit's own loggers (its children, which keep it) are created.
 */
public final class LbkitLog {

    /** Kept so that the level set on it is not lost to garbage collection. */
    private static final Logger LOGGER = Logger.getLogger("io.lbkit");

    private LbkitLog() {}

    /**
     * Lets only records of {@code level} and above through lbkit's loggers from now on.
     *
     * @param level the lowest level logged, not null: {@link Level#SEVERE} to keep errors only,
     *     {@link Level#OFF} for none
     */
    public static void only(Level level) {
        LOGGER.setLevel(Objects.requireNonNull(level, "level"));
    }
}
