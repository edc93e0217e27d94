package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EmbeddingBucketsTest {

    @Test
    void groupsRowsByTokenInOrderLikeAPlainMap() {
        SplittableRandom r = new SplittableRandom(3);
        EmbeddingBuckets b = new EmbeddingBuckets(50, 400);
        for (int t = 0; t < 50; t++) {
            int n = 1 + r.nextInt(400);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = r.nextInt(t % 2 == 0 ? 50 : 5);
            TreeMap<Integer, List<Integer>> want = new TreeMap<>();
            for (int i = 0; i < n; i++)
                want.computeIfAbsent(ids[i], k -> new ArrayList<>()).add(i);

            int u = b.build(ids, n);
            assertEquals(want.size(), u);
            int j = 0;
            for (var e : want.entrySet()) {
                assertEquals(e.getKey(), b.tokens()[j]);
                int from = b.offsets()[j], to = b.offsets()[j + 1];
                int[] rows = java.util.Arrays.copyOfRange(b.rows(), from, to);
                assertArrayEquals(
                        e.getValue().stream().mapToInt(Integer::intValue).toArray(), rows);
                j++;
            }
            assertEquals(n, b.offsets()[u]);
        }
    }

    @Test
    void refusesIdsOutsideTheVocabularyAndOversizedBatches() {
        EmbeddingBuckets b = new EmbeddingBuckets(10, 4);
        assertThrows(IllegalArgumentException.class, () -> b.build(new int[] {1, 10}, 2));
        assertThrows(IllegalArgumentException.class, () -> b.build(new int[] {-1}, 1));
        assertThrows(IllegalArgumentException.class, () -> b.build(new int[5], 5));
    }
}
