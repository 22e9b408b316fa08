package io.lbkit.proxybench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    private static long[] oneTo(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i + 1;
        }
        return a;
    }

    @Test
    void nearestRank_ofOneToHundred_isTheRankItself() {
        long[] s = oneTo(100);
        assertEquals(50, Percentiles.nearestRank(s, 0.50));
        assertEquals(99, Percentiles.nearestRank(s, 0.99));
        assertEquals(100, Percentiles.nearestRank(s, 1.0));
        assertEquals(1, Percentiles.nearestRank(s, 0.001));
    }

    @Test
    void nearestRank_roundsTheRankUp() {
        long[] s = oneTo(10);
        assertEquals(5, Percentiles.nearestRank(s, 0.50));
        assertEquals(10, Percentiles.nearestRank(s, 0.99)); // rank ceil(9.9) = 10
        assertEquals(1, Percentiles.nearestRank(new long[] {7}, 0.99) / 7);
    }

    @Test
    void nearestRank_ofNoSamples_isZero() {
        assertEquals(0, Percentiles.nearestRank(new long[0], 0.99));
    }

    @Test
    void nearestRank_rejectsQuantileOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(oneTo(3), 0));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(oneTo(3), 1.5));
        assertThrows(IllegalArgumentException.class,
                () -> Percentiles.nearestRank(oneTo(3), Double.NaN));
    }

    @Test
    void sortedCopy_sortsOnlyTheFirstNSamples() {
        long[] s = Percentiles.sortedCopy(new long[] {5, 3, 9, 1}, 3);
        assertEquals(3, s.length);
        assertEquals(3, s[0]);
        assertEquals(9, s[2]);
    }
}
