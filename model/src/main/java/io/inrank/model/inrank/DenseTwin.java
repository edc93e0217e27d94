package io.inrank.model.inrank;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;

/**
 * The dense twin of a factored model, for "factored vs dense on the same weights" benchmarks: every InRank layer's
 * product at its active modes, W = A_kᵀ·Bt_k ([in, out], GPT-2's layout; plus the frozen W_0 of a cumulative model), becomes the dense {@code c_fc} /
 * {@code c_proj} weight; everything else is copied, the activation too (the factored model's exact GELU, not the dense
 * baseline's tanh), so the twin computes the same function and only the MLP's cost differs. Serving never merges the
 * factors.
 */
public final class DenseTwin {
    private DenseTwin() {}

    public static GptModel of(GptModel factored) {
        GptConfig cfg = factored.config();
        if (!cfg.lowRank()) throw new IllegalArgumentException("the model is already dense");
        Backend be = factored.backend();
        GptModel dense = new GptModel(
                be,
                cfg.withMode(GptConfig.Mode.FULL).withTanhGelu(cfg.tanhGelu()),
                factored.batch(),
                factored.seq(),
                factored.params().dtype(),
                0,
                null);
        Params from = factored.params(), to = dense.params();
        for (Params.Entry t : to.all().values()) {
            if (!t.name().contains(".mlp.")) be.copy(from.value(t.name()), t.value());
        }
        for (int layer = 0; layer < factored.inRankLayers(); layer++) {
            String f = GptModel.inRankName(layer), d = f.replace("fc1", "c_fc").replace("fc2", "c_proj");
            int k = factored.activeModes(layer);
            be.matmul(
                    be.rows(from.value(f + ".A"), k),
                    be.rows(from.value(f + ".Bt"), k),
                    to.value(d + ".weight"),
                    true,
                    false,
                    1.0,
                    0.0);
            if (cfg.cumulative()) be.addInPlace(to.value(d + ".weight"), factored.base(layer)); // + W_0
            be.copy(from.value(f + ".bias"), to.value(d + ".bias"));
        }
        return dense;
    }
}
