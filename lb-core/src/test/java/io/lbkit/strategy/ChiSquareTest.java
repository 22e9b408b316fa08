package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chi-square helper against published critical values, and its power to detect bias. */
class ChiSquareTest {

    @ParameterizedTest(name = "dof {0}: {1}")
    @CsvSource({
        // Upper-tail critical values for p = 0.001 (NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
        "1, 10.828", "2, 13.816", "5, 20.515", "9, 27.877", "10, 29.588", "30, 59.703",
        "50, 86.661", "100, 149.449"})
    void criticalValue_matchesPublishedTable(int dof, double expected) {
        assertEquals(expected, ChiSquare.criticalValue(dof, 0.001), 0.002);
    }

    @Test
    void statistic_isZeroForExactExpectation() {
        assertEquals(0, ChiSquare.statistic(new long[] {100, 200, 300}, new double[] {1, 2, 3}),
                1e-12);
    }

    @Test
    void statistic_rejectsATenPercentBiasInTwentyThousandDraws() {
        // A fair coin tossed 20,000 times where one side came up 10 % more often than it should:
        // the test must have the power to notice a skew that small.
        long[] observed = {10_500, 9_500};
        double x = ChiSquare.statistic(observed, new double[] {1, 1});
        assertTrue(x > ChiSquare.criticalValue(1, ChiSquare.ALPHA), "statistic " + x);
    }
}
