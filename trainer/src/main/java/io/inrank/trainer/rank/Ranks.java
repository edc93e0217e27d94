package io.inrank.trainer.rank;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.rank.RankLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rank r of every InRank layer (fc1, fc2 of each block, in module order) and what the model computes with:
 * k = r + b in stage 1 (the buffer trains beside the rank), k = r in stage 2 (after the efficient resize).
 */
public final class Ranks {
    private final int[] r;
    private final int buffer;
    private final int maxRank;

    public Ranks(int[] r, int buffer, int maxRank) {
        this.r = r.clone();
        this.buffer = buffer;
        this.maxRank = maxRank;
    }

    public static Ranks initial(GptConfig c, int layers, int r0, int buffer) {
        if (r0 + buffer > c.maxRank()) {
            throw new IllegalArgumentException(
                    "init-rank " + r0 + " + buffer " + buffer + " exceeds maxRank " + c.maxRank() + " of this preset");
        }
        int[] r = new int[layers];
        Arrays.fill(r, r0);
        return new Ranks(r, buffer, c.maxRank());
    }

    /** The fixed-rank baseline's ranks, checked against the model: one per InRank layer, each in 1..maxRank. */
    public static int[] fixed(GptConfig c, List<Integer> given) {
        int layers = 2 * c.layers();
        if (given.size() != layers)
            throw new IllegalArgumentException("fixed-ranks: " + layers + " ranks needed (fc1, fc2 of each of "
                    + c.layers() + " blocks), got " + given.size());
        int[] r = given.stream().mapToInt(Integer::intValue).toArray();
        for (int x : r)
            if (x < 1 || x > c.maxRank())
                throw new IllegalArgumentException("fixed-ranks: " + x + " outside 1.." + c.maxRank());
        return r;
    }

    public int[] ranks() {
        return r.clone();
    }

    public int rank(int layer) {
        return r[layer];
    }

    public int buffer() {
        return buffer;
    }

    /** Makes the model compute with k = r + b (stage 1) or k = r (stage 2) modes per layer. */
    public void applyTo(GptModel model, int stage) {
        for (int i = 0; i < r.length; i++) {
            int k = stage == 1 ? Math.min(r[i] + buffer, model.storedModes(i)) : r[i];
            if (model.activeModes(i) != k) model.setActiveModes(i, k);
        }
    }

    /** The spectrum of every layer's current product W = B_k·A_k (k active modes), zero-padded to min(in, out). */
    public SpectrumReport report(String run, long step, GptModel model, String policy, double alpha) {
        Backend be = model.backend();
        GptConfig c = model.config();
        List<SpectrumReport.LayerSpectrum> layers = new ArrayList<>();
        for (int i = 0; i < r.length; i++) {
            String name = GptModel.inRankName(i);
            int k = model.activeModes(i);
            Tensor a = be.rows(model.params().value(name + ".A"), k),
                    bt = be.rows(model.params().value(name + ".Bt"), k);
            boolean fc1 = i % 2 == 0;
            int rows = fc1 ? c.hidden() : c.dim(), cols = fc1 ? c.dim() : c.hidden(); // W is out × in
            layers.add(new SpectrumReport.LayerSpectrum(
                    name, rows, cols, r[i], buffer, maxRank, be.singularValues(a, bt)));
        }
        return new SpectrumReport(SpectrumReport.VERSION, run, step, layers, policy, Map.of("alpha", alpha));
    }

    /** One layer's change, for the log. */
    public record Change(String layer, int from, int to, double ratio) {}

    /**
     * Applies a decision: every layer named must exist, and a new rank may not shrink or leave no room for the buffer.
     *
     * @return the layers whose rank changed
     * @throws IllegalArgumentException when the decision is unusable (nothing is changed then)
     */
    public List<Change> apply(RankDecision d) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < r.length; i++) index.put(GptModel.inRankName(i), i);
        int[] next = r.clone();
        List<Change> changes = new ArrayList<>();
        for (RankDecision.LayerDecision l : d.layers()) {
            Integer i = index.get(l.name());
            if (i == null) throw new IllegalArgumentException("decision names unknown layer " + l.name());
            String problem = RankLimits.growth(r[i], l.newRank(), buffer, maxRank);
            if (problem != null) throw new IllegalArgumentException(l.name() + ": " + problem);
            if (l.newRank() != r[i]) changes.add(new Change(l.name(), r[i], l.newRank(), l.ratio()));
            next[i] = l.newRank();
        }
        System.arraycopy(next, 0, r, 0, r.length);
        return changes;
    }

    /** The decision's ratio (explained variance or energy at the chosen rank) per layer in module order; NaN where absent. */
    public double[] ratios(RankDecision d) {
        double[] out = new double[r.length];
        Arrays.fill(out, Double.NaN);
        for (RankDecision.LayerDecision l : d.layers())
            for (int i = 0; i < r.length; i++) if (GptModel.inRankName(i).equals(l.name())) out[i] = l.ratio();
        return out;
    }

    /** "min/median/max" of r, for the progress line. */
    public String summary() {
        int[] s = r.clone();
        Arrays.sort(s);
        return s.length == 0 ? "-" : s[0] + "/" + s[s.length / 2] + "/" + s[s.length - 1];
    }
}
