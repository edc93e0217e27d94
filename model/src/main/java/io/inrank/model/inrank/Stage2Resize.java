package io.inrank.model.inrank;

import io.inrank.model.AdamW;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;

/**
 * The end of stage 1 of InRank-efficient (docs/ARCHITECTURE.md §2.4): every InRank layer is replaced by the balanced
 * best rank-r approximation of its current product (the b buffer modes are dropped), and AdamW's moments are sliced to
 * the first r modes — not rotated, not reset — with the step count kept, so the LR schedule and bias correction
 * continue.
 */
public final class Stage2Resize {
    private Stage2Resize() {}

    public record Resized(GptModel model, AdamW optimizer) {}

    /** @param ranks r per InRank layer (fc1, fc2 of each block), each ≤ the layer's active modes */
    public static Resized resize(GptModel old, AdamW oldOpt, int[] ranks, long seed) {
        if (!old.config().lowRank()) throw new IllegalArgumentException("only an InRank model can be resized");
        if (old.config().cumulative()) // truncating the update alone would change W_0 + ΔW's meaning; never asked for
        throw new IllegalArgumentException(
                    "the cumulative model is not resized (the paper's stage 2 is the efficient form's)");
        Backend be = old.backend();
        GptModel model = new GptModel(
                be, old.config(), old.batch(), old.seq(), old.params().dtype(), seed, ranks);
        AdamW opt = oldOpt.like(model.params());
        opt.setStepCount(oldOpt.stepCount());
        Params from = old.params(), to = model.params();
        for (Params.Entry t : to.all().values()) {
            Params.Entry src = from.get(t.name());
            if (t.name().endsWith(".A") || t.name().endsWith(".Bt")) continue; // below, per layer
            be.copy(src.value(), t.value());
            be.copy(oldOpt.moment(src, true), opt.moment(t, true));
            be.copy(oldOpt.moment(src, false), opt.moment(t, false));
        }
        for (int layer = 0; layer < old.inRankLayers(); layer++) {
            String p = GptModel.inRankName(layer);
            int k = old.activeModes(layer), r = ranks[layer];
            if (r > k) throw new IllegalArgumentException(p + ": rank " + r + " > active modes " + k);
            Tensor[] f = be.truncate(be.rows(from.value(p + ".A"), k), be.rows(from.value(p + ".Bt"), k), r);
            be.copy(f[0], to.value(p + ".A"));
            be.copy(f[1], to.value(p + ".Bt"));
            for (String suffix : new String[] {".A", ".Bt"}) {
                Params.Entry src = from.get(p + suffix), dst = to.get(p + suffix);
                be.copy(be.rows(oldOpt.moment(src, true), r), opt.moment(dst, true));
                be.copy(be.rows(oldOpt.moment(src, false), r), opt.moment(dst, false));
            }
        }
        return new Resized(model, opt);
    }
}
