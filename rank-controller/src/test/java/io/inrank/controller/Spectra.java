package io.inrank.controller;

import io.inrank.protocol.SpectrumReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Spectrum reports shaped like the trainer's, for tests: GPT-2 layer names, zero-padded spectra with a knee. */
public final class Spectra {
    private Spectra() {}

    /** fc1 and fc2 of each of {@code blocks} blocks, in module order (24 names for gpt2-small's 12 blocks). */
    public static List<String> names(int blocks) {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            out.add("h." + b + ".mlp.fc1");
            out.add("h." + b + ".mlp.fc2");
        }
        return out;
    }

    /**
     * The spectrum of a product with {@code active} modes, zero-padded to {@code n}: {@code knee} values near 1, then a
     * small decaying tail up to {@code active}, then zeros. The explained ratio passes 0.9 around the knee, so a rank
     * below it grows towards it. Values are short decimals (the JSON stays small) and descending.
     */
    public static double[] spectrum(int n, int knee, int active, int layer) {
        double[] s = new double[n];
        for (int i = 0; i < Math.min(active, n); i++) {
            s[i] = i < knee
                    ? (10_000 - i - layer) / 10_000.0
                    : Math.round(50_000 * Math.pow(0.97, i - knee)) / 1_000_000.0;
        }
        return s;
    }

    /** One report: layer i at rank {@code ranks[i]}, buffer b, of an n × 4n product with the given maxRank. */
    public static SpectrumReport report(
            String run, long step, List<String> names, int[] ranks, int n, int buffer, int maxRank, int knee) {
        List<SpectrumReport.LayerSpectrum> ls = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            // fc1 is out x in = 4n x n, fc2 n x 4n: min(rows, cols) = n either way
            boolean fc1 = i % 2 == 0;
            int layerKnee = Math.max(1, knee - (i % 5));
            ls.add(new SpectrumReport.LayerSpectrum(
                    names.get(i),
                    fc1 ? 4 * n : n,
                    fc1 ? n : 4 * n,
                    ranks[i],
                    buffer,
                    maxRank,
                    spectrum(n, layerKnee, ranks[i] + buffer, i)));
        }
        return new SpectrumReport(SpectrumReport.VERSION, run, step, ls, null, Map.of("alpha", 0.9));
    }
}
