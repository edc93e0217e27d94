package io.inrank.controller.policy;

import io.inrank.protocol.SpectrumReport;
import io.inrank.rank.RankLimits;

/**
 * What makes a reported layer unusable, as a reason for the dead-letter topic; null when it is fine.
 * The spectrum must hold min(rows, cols) finite, non-negative values in descending order, and the rank state must be
 * consistent (0 ≤ r, 0 ≤ b, r + b ≤ maxRank ≤ min(rows, cols)).
 */
public final class SpectrumCheck {
    private SpectrumCheck() {}

    public static String problem(SpectrumReport.LayerSpectrum l) {
        double[] s = l.singularValues();
        int n = Math.min(l.rows(), l.cols());
        if (s.length != n)
            return "layer " + l.name() + ": " + s.length + " singular values, expected min(rows, cols) = " + n;
        for (int i = 0; i < s.length; i++) {
            if (!Double.isFinite(s[i])) return "layer " + l.name() + ": singular value " + i + " is " + s[i];
            if (s[i] < 0) return "layer " + l.name() + ": singular value " + i + " is negative (" + s[i] + ")";
            if (i > 0 && s[i] > s[i - 1] * (1 + 1e-9) + 1e-30) {
                return "layer " + l.name() + ": singular values not descending at " + i + " (" + s[i - 1] + " < " + s[i]
                        + ")";
            }
        }
        if (l.maxRank() > n) return "layer " + l.name() + ": maxRank " + l.maxRank() + " outside 1.." + n;
        String state = RankLimits.state(l.rank(), l.buffer(), l.maxRank());
        return state == null ? null : "layer " + l.name() + ": " + state;
    }
}
