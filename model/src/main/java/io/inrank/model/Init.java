package io.inrank.model;

import java.util.Random;

/**
 * Initialisation as in the paper's code: GPT-2's (N(0, 0.02) weights and embeddings, c_proj N(0, 0.02/√(2L)), zero
 * biases, unit LayerNorm) and, for InRank factors, kaiming-uniform: A ~ U(±1/√in), B ~ U(±1/√R_max), every one of the
 * R_max modes initialised up front (docs/ARCHITECTURE.md §2.1, §3.2). In the cumulative mode Bt starts at zero (the
 * update W − W_0 = AᵀBt is zero at step 0, as LoRA's B) and A as above: the output-side factor at zero is the one that
 * still gets a gradient (dBt = hᵀ·dy with h = x·Aᵀ ≠ 0), and a mode switched on later leaves the function unchanged.
 */
final class Init {
    private Init() {}

    static void gpt2(Params p, GptConfig cfg, long seed) {
        Random rnd = new Random(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * cfg.layers());
        for (Params.Entry t : p.all().values()) {
            String n = t.name();
            double[] v = new double[(int) t.length()];
            if (n.endsWith(".bias")) continue; // already zero
            else if (n.contains("ln_")) java.util.Arrays.fill(v, 1.0);
            else if (n.endsWith(".A")) uniform(v, 1.0 / Math.sqrt(t.shape()[1]), rnd);
            else if (n.endsWith(".Bt") && cfg.cumulative()) continue; // the update starts at zero
            else if (n.endsWith(".Bt")) uniform(v, 1.0 / Math.sqrt(cfg.maxRank()), rnd);
            else if (n.endsWith("c_proj.weight")) normal(v, projStd, rnd);
            else normal(v, 0.02, rnd);
            p.backend().fromHost(t.value(), v);
        }
    }

    private static void normal(double[] v, double std, Random r) {
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian() * std;
    }

    private static void uniform(double[] v, double bound, Random r) {
        for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
    }
}
