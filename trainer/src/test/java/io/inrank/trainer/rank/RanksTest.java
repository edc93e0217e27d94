package io.inrank.trainer.rank;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.protocol.RankDecision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RanksTest {
    static RankDecision decision(int... newRanks) {
        String[] names = {"h.0.mlp.fc1", "h.0.mlp.fc2"};
        List<RankDecision.LayerDecision> l = new java.util.ArrayList<>();
        for (int i = 0; i < newRanks.length; i++) l.add(new RankDecision.LayerDecision(names[i], 2, newRanks[i], 0.95));
        return new RankDecision(1, "r", 10, l, "explained-variance", Map.of("alpha", 0.9), "now");
    }

    @Test
    void appliesGrowthAndReportsTheChanges() {
        Ranks r = new Ranks(new int[] {2, 2}, 16, 64);
        List<Ranks.Change> changes = r.apply(decision(9, 2));
        assertEquals(List.of(new Ranks.Change("h.0.mlp.fc1", 2, 9, 0.95)), changes);
        assertArrayEquals(new int[] {9, 2}, r.ranks());
        assertEquals("2/9/9", r.summary());
    }

    @Test
    void refusesUnusableDecisionsWithoutChangingAnything() {
        Ranks r = new Ranks(new int[] {5, 5}, 16, 64);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> r.apply(decision(9, 4)))
                .getMessage()
                .contains("never shrink"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> r.apply(decision(49, 5)))
                .getMessage()
                .contains("> maxRank 64"));
        RankDecision unknown = new RankDecision(
                1,
                "r",
                10,
                List.of(new RankDecision.LayerDecision("h.7.mlp.fc1", 2, 3, 0.9)),
                "explained-variance",
                Map.of(),
                "now");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> r.apply(unknown))
                .getMessage()
                .contains("unknown layer h.7.mlp.fc1"));
        assertArrayEquals(
                new int[] {5, 5}, r.ranks(), "a refused decision changes nothing (also not its valid first layer)");
    }
}
