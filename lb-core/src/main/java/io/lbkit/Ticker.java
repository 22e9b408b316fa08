package io.lbkit;

/**
 * A source of nanosecond time for every time-based rule in lbkit (latency decay, ejection,
 * slow start, refresh). Thread-safe. Tests pass a fake ticker and move it by hand.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
    long read();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The default ticker. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }
}
