package io.lbkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LbkitLogTest {

    @AfterEach
    void restore() {
        Logger.getLogger("io.lbkit").setLevel(null);
    }

    @Test
    void only_setsTheLevelOfLbkitsLoggers() {
        LbkitLog.only(Level.SEVERE);

        Logger child = Logger.getLogger("io.lbkit.dns.DnsEndpointGroup");
        assertFalse(child.isLoggable(Level.WARNING));
        assertTrue(child.isLoggable(Level.SEVERE));
    }

    @Test
    void only_keepsTheLevel_whenNoOneElseHoldsTheLogger() {
        LbkitLog.only(Level.OFF);
        for (int i = 0; i < 3; i++) {
            System.gc(); // a logger held only by the LogManager would be collected, its level lost
        }

        assertEquals(Level.OFF, Logger.getLogger("io.lbkit").getLevel());
    }

    @Test
    void only_rejectsNull() {
        assertThrows(NullPointerException.class, () -> LbkitLog.only(null));
    }
}
