package io.inrank.model.generate;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.kernels.Attention;
import io.inrank.model.kernels.Gelu;
import io.inrank.model.kernels.InRankLinear;
import io.inrank.model.kernels.LayerNorm;
import io.inrank.model.kernels.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Incremental decoding with a key/value cache: each call feeds one token at the next position and returns the
 * next-token logits, computing the InRank MLP through its factors (x → A → B, never merged). All buffers are allocated
 * once for the context length.
 */
public final class KvDecoder {
    private final GptModel model;
    private final GptConfig cfg;
    private final Params p;
    private final INDArray[] kCache, vCache;       // [context, C] per layer
    private final INDArray x, ln, qkv, att, proj, hidden, act, mlp, lnMean, lnRstd, logits, h;
    private int pos;

    public KvDecoder(GptModel model) {
        this.model = model;
        this.cfg = model.config();
        this.p = model.params();
        DataType t = p.dtype();
        int c = cfg.dim(), ctx = cfg.context();
        kCache = new INDArray[cfg.layers()];
        vCache = new INDArray[cfg.layers()];
        for (int l = 0; l < cfg.layers(); l++) {
            kCache[l] = Nd4j.create(t, ctx, c);
            vCache[l] = Nd4j.create(t, ctx, c);
        }
        x = Nd4j.create(t, 1, c);
        ln = Nd4j.create(t, 1, c);
        qkv = Nd4j.create(t, 1, 3L * c);
        att = Nd4j.create(t, 1, c);
        proj = Nd4j.create(t, 1, c);
        hidden = Nd4j.create(t, 1, cfg.hidden());
        act = Nd4j.create(t, 1, cfg.hidden());
        mlp = Nd4j.create(t, 1, c);
        lnMean = Nd4j.create(t, 1);
        lnRstd = Nd4j.create(t, 1);
        logits = Nd4j.create(t, 1, cfg.vocab());
        h = Nd4j.create(t, cfg.lowRank() ? cfg.maxRank() : 1);
    }

    /** Forgets the cached sequence. */
    public void reset() {
        pos = 0;
    }

    public int position() {
        return pos;
    }

    /** The most tokens the cache holds (the model's context). */
    public int capacity() {
        return cfg.context();
    }

    /** Feeds {@code token} at the next position; returns the logits [1, V] for the following token (a reused buffer). */
    public INDArray next(int token) {
        if (pos >= cfg.context()) throw new IllegalStateException("context of " + cfg.context() + " tokens is full");
        int c = cfg.dim();
        x.assign(p.value("wte").getRow(token)).addi(p.value("wpe").getRow(pos));
        for (int l = 0; l < cfg.layers(); l++) {
            String n = "h." + l + ".";
            LayerNorm.forward(x, p.value(n + "ln_1.weight"), p.value(n + "ln_1.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
            Linear.forward(ln, p.value(n + "attn.c_attn.weight"), p.value(n + "attn.c_attn.bias"), qkv);
            kCache[l].getRow(pos).assign(qkv.get(NDArrayIndex.point(0), NDArrayIndex.interval(c, 2 * c)));
            vCache[l].getRow(pos).assign(qkv.get(NDArrayIndex.point(0), NDArrayIndex.interval(2 * c, 3 * c)));
            Attention.forwardCached(qkv, kCache[l], vCache[l], pos + 1, cfg.heads(),
                    Attention.scale(cfg.headDim(), l, cfg.scaleAttnByLayer()), att);
            Linear.forward(att, p.value(n + "attn.c_proj.weight"), p.value(n + "attn.c_proj.bias"), proj);
            x.addi(proj);
            LayerNorm.forward(x, p.value(n + "ln_2.weight"), p.value(n + "ln_2.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
            if (cfg.lowRank()) {
                mlpFactored(l, 0, ln, hidden, n + "mlp.fc1");
                Gelu.forward(hidden, act, cfg.tanhGelu());
                mlpFactored(l, 1, act, mlp, n + "mlp.fc2");
            } else {
                Linear.forward(ln, p.value(n + "mlp.c_fc.weight"), p.value(n + "mlp.c_fc.bias"), hidden);
                Gelu.forward(hidden, act, cfg.tanhGelu());
                Linear.forward(act, p.value(n + "mlp.c_proj.weight"), p.value(n + "mlp.c_proj.bias"), mlp);
            }
            x.addi(mlp);
        }
        LayerNorm.forward(x, p.value("ln_f.weight"), p.value("ln_f.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
        Nd4j.gemm(ln, p.value("wte"), logits, false, true, 1.0, 0.0);
        pos++;
        return logits;
    }

    private void mlpFactored(int block, int which, INDArray in, INDArray out, String name) {
        int k = model.activeModes(2 * block + which);
        INDArray hk = h.get(NDArrayIndex.interval(0, k)).reshape('c', 1, k);
        InRankLinear.forward(in, p.value(name + ".A").get(NDArrayIndex.interval(0, k), NDArrayIndex.all()),
                p.value(name + ".Bt").get(NDArrayIndex.interval(0, k), NDArrayIndex.all()), p.value(name + ".bias"), hk, out);
    }
}
