package io.inrank.rank;

/**
 * The InRank rank rule exactly as the official code applies it (docs/ARCHITECTURE.md §2.2, §3.3):
 * <pre>
 *   if r &lt; maxRank − b:
 *       for k in range(r, min(r + b, maxRank − b)):   # upper bound excluded
 *           if ratio(k) &gt; alpha: break                # strict
 *       r = k                                          # the last k scanned when none passes
 * </pre>
 * So r never shrinks, grows by at most b − 1 per check, and stops at maxRank − b − 1.
 */
public final class RankRule {
    private RankRule() {}

    /** The outcome for one layer: the new rank and the policy's ratio at it. */
    public record Decision(int previousRank, int newRank, double ratio, boolean changed) {}

    public static Decision decide(
            double[] spectrum, int rank, int buffer, int maxRank, double alpha, RatioPolicy policy) {
        if (rank < 0 || buffer < 0 || maxRank < 1)
            throw new IllegalArgumentException("rank, buffer and maxRank must be non-negative");
        double[] ratios = policy.ratios(spectrum);
        if (rank >= maxRank - buffer) return new Decision(rank, rank, ratio(ratios, rank), false);
        int hi = Math.min(rank + buffer, maxRank - buffer);
        int k = rank;
        for (int cand = rank; cand < hi; cand++) {
            k = cand;
            if (ratio(ratios, cand) > alpha) break;
        }
        return new Decision(rank, k, ratio(ratios, k), k != rank);
    }

    private static double ratio(double[] ratios, int k) {
        return ratios[Math.min(k, ratios.length - 1)];
    }
}
