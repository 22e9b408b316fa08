package io.lbkit.health;

import io.lbkit.testing.FakeScheduler;

/**
 * The fake clock and scheduler of the health tests: {@link FakeScheduler} (time moves only in
 * {@code advance}, which runs every task that falls due, in due-time order, FIFO among equal
 * times), plus a count of the pending tasks. Not thread-safe; confined to the test thread.
 */
final class ManualClock extends FakeScheduler {

    /** Tasks scheduled and neither run nor cancelled. */
    int pending() {
        return pendingDelays().size();
    }
}
