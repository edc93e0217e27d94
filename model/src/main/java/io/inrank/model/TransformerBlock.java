package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;

/**
 * The GPT-2 block (pre-LayerNorm), written once: training ({@link GptModel}), single-sequence and batched KV-cache
 * decoding ({@code generate.BatchDecoder}) all run this forward; only the attention step differs (the causal kernel
 * over a batch, or a cache step), and decoding passes inference copies as weights and p = 0.
 * <pre>
 *   res1 = in + dropout(c_proj(attention(c_attn(ln_1(in)))))
 *   out  = res1 + dropout(mlp.out(gelu(mlp.fc(ln_2(res1)))))
 * </pre>
 */
public final class TransformerBlock {
    private TransformerBlock() {}

    /** The block's attention: q | k | v [n, 3C] → att [n, C] (lse [B, H, T] kept by training, null in decoding). */
    public interface Attention {
        void forward(int layer, Tensor qkv, Tensor att, Tensor lse);
    }

    /** Dropout tensor ids ({@link DropoutKey}): 0 the embeddings, then three per block. */
    public static int attentionDropoutId(int layer) {
        return 1 + 3 * layer;
    }

    static int attentionResidualId(int layer) {
        return 2 + 3 * layer;
    }

    static int mlpResidualId(int layer) {
        return 3 + 3 * layer;
    }

    /**
     * @param p    dropout probability (0 in evaluation and decoding)
     * @param keys dropout keys by tensor id (null when p = 0)
     */
    public static void forward(
            Backend be,
            GptConfig cfg,
            int layer,
            BlockWeights w,
            BlockActivations a,
            Attention attention,
            double p,
            DropoutKey[] keys) {
        double eps = cfg.layerNormEps();
        be.layerNormForward(a.in, w.ln1Weight(), w.ln1Bias(), eps, a.ln1, a.ln1Mean, a.ln1Rstd);
        be.linearForward(a.ln1, w.attnWeight(), w.attnBias(), a.qkv);
        attention.forward(layer, a.qkv, a.att, a.lse);
        be.linearForward(a.att, w.projWeight(), w.projBias(), a.proj);
        be.residualDropoutForward(a.in, a.proj, a.res1, p, key(keys, attentionResidualId(layer)));
        be.layerNormForward(a.res1, w.ln2Weight(), w.ln2Bias(), eps, a.ln2, a.ln2Mean, a.ln2Rstd);
        mlpForward(be, w.fc(), a.ln2, a.fcH, a.fc);
        be.geluForward(a.fc, a.gelu, cfg.tanhGelu());
        mlpForward(be, w.out(), a.gelu, a.outH, a.mlp);
        be.residualDropoutForward(a.res1, a.mlp, a.out, p, key(keys, mlpResidualId(layer)));
    }

    private static void mlpForward(Backend be, BlockWeights.Mlp m, Tensor x, Tensor h, Tensor y) {
        if (m instanceof BlockWeights.Factored f) be.inRankForward(x, f.a(), f.bt(), f.bias(), h, y);
        else if (m instanceof BlockWeights.Cumulative c) {
            be.inRankForward(x, c.a(), c.bt(), c.bias(), h, y); // y = (x·A_kᵀ)·Bt_k + b
            be.matmul(x, c.w0(), y, false, false, 1.0, 1.0); // y += x·W_0
        } else be.linearForward(x, ((BlockWeights.Dense) m).weight(), m.bias(), y);
    }

    private static DropoutKey key(DropoutKey[] keys, int id) {
        return keys == null ? null : keys[id];
    }

    /** Backward temporaries shared by all blocks of a model. */
    record Scratch(
            Tensor dTmp, // [n, C]
            Tensor dAtt, // [n, C]
            Tensor dQkv, // [n, 3C]
            Tensor dHidden, // [n, 4C]
            Tensor dHidden2, // [n, 4C]
            Tensor ones) {} // [1, n] ones (bias gradients as a GEMM)

    /**
     * Accumulates the block's parameter gradients into {@code g}; on entry dRes [n, C] = dL/d(out), on return
     * dL/d(in). dfcH / doutH: [n, k] scratch views for the InRank linears (null when dense).
     */
    static void backward(
            Backend be,
            GptConfig cfg,
            int layer,
            BlockWeights w,
            BlockWeights g,
            BlockActivations a,
            Tensor dRes,
            Scratch s,
            Tensor dfcH,
            Tensor doutH,
            int batch,
            double scale,
            double p,
            DropoutKey[] keys) {
        be.dropoutBackward(dRes, s.dTmp(), p, key(keys, mlpResidualId(layer))); // dL/d mlp
        mlpBackward(be, w.out(), g.out(), s.dTmp(), a.gelu, a.outH, doutH, s.dHidden(), s.ones());
        be.geluBackward(s.dHidden(), a.fc, s.dHidden2(), cfg.tanhGelu());
        mlpBackward(be, w.fc(), g.fc(), s.dHidden2(), a.ln2, a.fcH, dfcH, s.dAtt(), s.ones()); // dAtt = dL/d ln2
        be.layerNormBackward(
                s.dAtt(), a.res1, w.ln2Weight(), a.ln2Mean, a.ln2Rstd, s.dTmp(), g.ln2Weight(), g.ln2Bias());
        be.addInPlace(dRes, s.dTmp()); // dL/d res1
        be.dropoutBackward(dRes, s.dTmp(), p, key(keys, attentionResidualId(layer))); // dL/d proj
        be.linearBackward(s.dTmp(), a.att, w.projWeight(), s.dAtt(), g.projWeight(), g.projBias(), s.ones());
        be.attentionBackward(
                s.dAtt(),
                a.qkv,
                a.att,
                a.lse,
                s.dQkv(),
                batch,
                cfg.heads(),
                scale,
                p,
                key(keys, attentionDropoutId(layer)));
        be.linearBackward(s.dQkv(), a.ln1, w.attnWeight(), s.dAtt(), g.attnWeight(), g.attnBias(), s.ones());
        be.layerNormBackward(s.dAtt(), a.in, w.ln1Weight(), a.ln1Mean, a.ln1Rstd, s.dTmp(), g.ln1Weight(), g.ln1Bias());
        be.addInPlace(dRes, s.dTmp()); // dL/d in
    }

    private static void mlpBackward(
            Backend be,
            BlockWeights.Mlp m,
            BlockWeights.Mlp gm,
            Tensor dy,
            Tensor x,
            Tensor h,
            Tensor dh,
            Tensor dx,
            Tensor ones) {
        if (m instanceof BlockWeights.Factored f) {
            BlockWeights.Factored gf = (BlockWeights.Factored) gm;
            be.inRankBackward(dy, x, f.a(), f.bt(), h, dh, dx, gf.a(), gf.bt(), gf.bias(), ones);
        } else if (m instanceof BlockWeights.Cumulative c) {
            BlockWeights.Cumulative gc = (BlockWeights.Cumulative) gm; // W_0 is frozen: no gradient of its own
            be.inRankBackward(dy, x, c.a(), c.bt(), h, dh, dx, gc.a(), gc.bt(), gc.bias(), ones);
            if (dx != null) be.matmul(dy, c.w0(), dx, false, true, 1.0, 1.0); // dx += dy·W_0ᵀ
        } else {
            be.linearBackward(
                    dy, x, ((BlockWeights.Dense) m).weight(), dx, ((BlockWeights.Dense) gm).weight(), gm.bias(), ones);
        }
    }
}
