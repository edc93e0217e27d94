package io.inrank.model.backend;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Philox-4x32-10 against the published known-answer vectors, and the dropout mask drawn from it. */
class PhiloxTest {

    static int[] philox(long c0, long c1, long c2, long c3, long k0, long k1) {
        int[] out = new int[4];
        Philox.block((int) c0, (int) c1, (int) c2, (int) c3, (int) k0, (int) k1, out);
        return out;
    }

    @Test
    void knownAnswers() {
        // the three philox4x32-10 vectors of Random123's kat_vectors
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, philox(0, 0, 0, 0, 0, 0));
        assertArrayEquals(
                new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                philox(0xffffffffL, 0xffffffffL, 0xffffffffL, 0xffffffffL, 0xffffffffL, 0xffffffffL));
        assertArrayEquals(
                new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                philox(0x243f6a88L, 0x85a308d3L, 0x13198a2eL, 0x03707344L, 0xa4093822L, 0x299f31d0L));
    }

    @Test
    void masksAreKeyedByEveryFieldAndDropTheAskedFraction() {
        DropoutKey k = new DropoutKey(1113, 7, 4);
        long threshold = DropoutKey.threshold(0.1), n = 200_000, dropped = 0;
        for (long e = 0; e < n; e++) if (!k.kept(e, threshold)) dropped++;
        assertEquals(0.1, dropped / (double) n, 0.004, "dropped fraction"); // ~6σ of a binomial(200000, 0.1)
        // each key field and the element index change the draws
        int[] base = new int[4], other = new int[4];
        k.words(3, base);
        for (DropoutKey o : new DropoutKey[] {
            new DropoutKey(1114, 7, 4),
            new DropoutKey(1113, 8, 4),
            new DropoutKey(1113, 7, 5),
            new DropoutKey(1113 + (1L << 32), 7, 4),
            new DropoutKey(1113, 7 + (1L << 32), 4)
        }) {
            o.words(3, other);
            assertFalse(java.util.Arrays.equals(base, other), o + " draws the same words as " + k);
        }
        k.words(4, other);
        assertFalse(java.util.Arrays.equals(base, other));
        // element e uses word e mod 4 of block e / 4
        k.words(25 / 4, base);
        assertEquals((base[25 % 4] & 0xFFFFFFFFL) >= threshold, k.kept(25, threshold));
        assertEquals(0, DropoutKey.threshold(0));
        assertThrows(IllegalArgumentException.class, () -> DropoutKey.threshold(1));
    }
}
