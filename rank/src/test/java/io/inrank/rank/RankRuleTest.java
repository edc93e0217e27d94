package io.inrank.rank;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RankRuleTest {

    static final double[] S = {5, 4, 3, 2, 1, 0, 0, 0};

    @Test
    void theWorkedExampleOfPaperSpec() {
        double[] v = RatioPolicy.EXPLAINED_VARIANCE.ratios(S);
        double[] want = {0.0, 0.348837, 0.646512, 0.855814, 0.967442, 1.0};
        for (int k = 0; k < want.length; k++) assertEquals(want[k], v[k], 5e-7, "explained variance k=" + k);
        double[] e = RatioPolicy.ENERGY.ratios(S);
        double[] wantE = {0.0, 0.454545, 0.745455, 0.909091, 0.981818, 1.0};
        for (int k = 0; k < wantE.length; k++) assertEquals(wantE[k], e[k], 5e-7, "energy k=" + k);
        // α = 0.9: the code's rule picks 4, an energy rule 3 (rank 0, buffer 4, maxRank 8 → k in 0..3, then cap)
        assertEquals(
                4,
                RankRule.decide(S, 0, 5, 10, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                        .newRank());
        assertEquals(3, RankRule.decide(S, 0, 5, 10, 0.9, RatioPolicy.ENERGY).newRank());
    }

    @Test
    void strictGreaterThan() {
        double[] v = RatioPolicy.EXPLAINED_VARIANCE.ratios(S);
        // α exactly at ratio(4): k = 4 does not pass, the search goes on to 5
        assertEquals(
                5,
                RankRule.decide(S, 0, 6, 12, v[4], RatioPolicy.EXPLAINED_VARIANCE)
                        .newRank());
    }

    @Test
    void noPassMeansTheLastKScannedWithTheUpperBoundExcluded() {
        // α above every ratio: r = min(r + b, maxRank − b) − 1
        assertEquals(
                2 + 100 - 1,
                RankRule.decide(new double[384], 2, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                        .newRank());
        double[] flat = new double[384];
        java.util.Arrays.fill(flat, 1.0); // Var(s) = 0 → ratio 0 everywhere
        assertEquals(
                101,
                RankRule.decide(flat, 2, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                        .newRank());
        // near the cap the window is min(r + b, maxRank − b): from 250, at most 283 (= 384 − 100 − 1)
        assertEquals(
                283,
                RankRule.decide(flat, 250, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                        .newRank());
    }

    @Test
    void rankNeverShrinksAndFreezesAtTheCap() {
        double[] spiky = new double[768];
        spiky[0] = 100; // one dominant mode: ratio(1) is already ≈ 1
        RankRule.Decision d = RankRule.decide(spiky, 40, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE);
        assertEquals(40, d.newRank(), "the search starts at r: never below");
        assertFalse(d.changed());
        RankRule.Decision capped = RankRule.decide(new double[768], 284, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE);
        assertEquals(284, capped.newRank(), "r ≥ maxRank − b: no change");
        RankRule.Decision at = RankRule.decide(new double[768], 283, 100, 384, 0.9, RatioPolicy.EXPLAINED_VARIANCE);
        assertEquals(283, at.newRank(), "a single candidate at maxRank − b − 1");
    }

    @Test
    void energyAndVariancePoliciesDifferWhereTheyShould() {
        // property: on random decaying spectra with zero padding, energy stays in [0, 1] and explained variance ≤ 1
        // (it can go negative: zeroing top values can spread the vector), and the two choose different ranks on a
        // good share of them (the trap described in docs/ARCHITECTURE.md §2.2)
        Random r = new Random(1);
        int differ = 0;
        for (int t = 0; t < 500; t++) {
            int n = 64, nz = 8 + r.nextInt(40);
            double[] s = new double[n];
            double decay = 0.7 + 0.29 * r.nextDouble();
            for (int i = 0; i < nz; i++) s[i] = Math.pow(decay, i) * (1 + 0.01 * r.nextDouble());
            java.util.Arrays.sort(s);
            for (int i = 0; i < n / 2; i++) {
                double x = s[i];
                s[i] = s[n - 1 - i];
                s[n - 1 - i] = x;
            }
            double[] ev = RatioPolicy.EXPLAINED_VARIANCE.ratios(s), en = RatioPolicy.ENERGY.ratios(s);
            for (int k = 0; k <= n; k++) {
                assertTrue(ev[k] <= 1 + 1e-12);
                assertTrue(en[k] >= -1e-12 && en[k] <= 1 + 1e-12);
            }
            int a = RankRule.decide(s, 0, 30, 64, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                    .newRank();
            int b = RankRule.decide(s, 0, 30, 64, 0.9, RatioPolicy.ENERGY).newRank();
            if (a != b) differ++;
        }
        assertTrue(differ > 50, "policies disagree on " + differ + " of 500 spectra");
    }
}
