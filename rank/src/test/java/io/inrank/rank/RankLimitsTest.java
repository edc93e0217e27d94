package io.inrank.rank;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RankLimitsTest {
    @Test
    void statesGrowthAndTheStartingRank() {
        assertNull(RankLimits.state(10, 5, 15));
        assertEquals("rank 11 + buffer 5 exceeds maxRank 15", RankLimits.state(11, 5, 15));
        assertEquals("rank and buffer must be >= 0", RankLimits.state(-1, 5, 15));
        assertEquals("rank 2147483647 + buffer 1 exceeds maxRank 15", RankLimits.state(Integer.MAX_VALUE, 1, 15));
        assertNull(RankLimits.growth(4, 4, 2, 6));
        assertEquals("new rank 3 < current 4 (ranks never shrink)", RankLimits.growth(4, 3, 2, 6));
        assertEquals("new rank 5 + buffer 2 > maxRank 6", RankLimits.growth(4, 5, 2, 6));
        assertEquals(7, RankLimits.startingRank(3, 7));
        assertEquals(9, RankLimits.startingRank(9, 7));
        assertEquals(3, RankLimits.startingRank(3, null));
    }
}
