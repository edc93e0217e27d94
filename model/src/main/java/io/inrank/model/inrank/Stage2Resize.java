package io.inrank.model.inrank;

import io.inrank.model.AdamW;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The end of stage 1 of InRank-efficient (paper-spec.md §1.5): every InRank layer is replaced by the balanced best
 * rank-r approximation of its current product (the b buffer modes are dropped), and AdamW's moments are sliced to the
 * first r modes — not rotated, not reset — with the step count kept, so the LR schedule and bias correction continue.
 */
public final class Stage2Resize {
    private Stage2Resize() {}

    public record Resized(GptModel model, AdamW optimizer) {}

    /** @param ranks r per InRank layer (fc1, fc2 of each block), each ≤ the layer's active modes */
    public static Resized resize(GptModel old, AdamW oldOpt, int[] ranks, long seed) {
        if (!old.config().lowRank()) throw new IllegalArgumentException("only an InRank model can be resized");
        GptModel model = new GptModel(old.config(), old.batch(), old.seq(), old.params().dtype(), seed, ranks);
        AdamW opt = oldOpt.like(model.params());
        opt.setStepCount(oldOpt.stepCount());
        Params from = old.params(), to = model.params();
        for (Params.Tensor t : to.all().values()) {
            Params.Tensor src = from.get(t.name());
            if (t.name().endsWith(".A") || t.name().endsWith(".Bt")) continue; // below, per layer
            t.value().assign(src.value());
            opt.moment(t, true).assign(oldOpt.moment(src, true));
            opt.moment(t, false).assign(oldOpt.moment(src, false));
        }
        for (int layer = 0; layer < old.inRankLayers(); layer++) {
            String p = GptModel.inRankName(layer);
            int k = old.activeModes(layer), r = ranks[layer];
            if (r > k) throw new IllegalArgumentException(p + ": rank " + r + " > active modes " + k);
            INDArray[] f = Spectrum.truncate(rows(from.value(p + ".A"), k), rows(from.value(p + ".Bt"), k), r);
            to.value(p + ".A").assign(f[0]);
            to.value(p + ".Bt").assign(f[1]);
            for (String suffix : new String[]{".A", ".Bt"}) {
                Params.Tensor src = from.get(p + suffix), dst = to.get(p + suffix);
                opt.moment(dst, true).assign(rows(oldOpt.moment(src, true), r));
                opt.moment(dst, false).assign(rows(oldOpt.moment(src, false), r));
            }
        }
        return new Resized(model, opt);
    }

    private static INDArray rows(INDArray m, int k) {
        return m.get(NDArrayIndex.interval(0, k), NDArrayIndex.all());
    }
}
