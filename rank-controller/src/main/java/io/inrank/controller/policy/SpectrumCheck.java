package io.inrank.controller.policy;

import io.inrank.protocol.SpectrumReport;

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
        if (l.rank() < 0 || l.buffer() < 0) return "layer " + l.name() + ": rank and buffer must be >= 0";
        if (l.maxRank() < 1 || l.maxRank() > n)
            return "layer " + l.name() + ": maxRank " + l.maxRank() + " outside 1.." + n;
        if (l.rank() + l.buffer() > l.maxRank()) {
            return "layer " + l.name() + ": rank " + l.rank() + " + buffer " + l.buffer() + " exceeds maxRank "
                    + l.maxRank();
        }
        return null;
    }
}
