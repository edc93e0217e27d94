package io.inrank.rank;

/**
 * The rank invariants both sides of the exchange apply, in one place: the controller to a spectrum report before it
 * decides, the trainer to a decision before it resizes. A layer's state is consistent when 0 ≤ r, 0 ≤ b and
 * r + b ≤ maxRank; a rank never shrinks, and a new rank must leave room for the buffer. Each check returns null when
 * fine, else the reason (without the layer's name, which the caller adds).
 */
public final class RankLimits {
    private RankLimits() {}

    /** Null when (rank, buffer, maxRank) is a consistent state, else why not. */
    public static String state(int rank, int buffer, int maxRank) {
        if (rank < 0 || buffer < 0) return "rank and buffer must be >= 0";
        if (maxRank < 1) return "maxRank " + maxRank + " must be >= 1";
        if ((long) rank + buffer > maxRank)
            return "rank " + rank + " + buffer " + buffer + " exceeds maxRank " + maxRank;
        return null;
    }

    /** Null when a layer at {@code current} may move to {@code next} (same buffer and maxRank), else why not. */
    public static String growth(int current, int next, int buffer, int maxRank) {
        if (next < current) return "new rank " + next + " < current " + current + " (ranks never shrink)";
        if ((long) next + buffer > maxRank) return "new rank " + next + " + buffer " + buffer + " > maxRank " + maxRank;
        return null;
    }

    /**
     * The rank a decision starts from: the one reported, but never below one already granted (a stale or replayed
     * report must not take a layer back).
     */
    public static int startingRank(int reported, Integer granted) {
        return granted == null ? reported : Math.max(reported, granted);
    }
}
