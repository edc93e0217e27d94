package io.inrank.model.generate;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;

/**
 * Incremental decoding with a key/value cache: each call feeds one token at the next position and returns the
 * next-token logits, computing the InRank MLP through its factors (x → A → B, never merged). All buffers are allocated
 * once for the context length.
 */
public final class KvDecoder {
    private final GptModel model;
    private final GptConfig cfg;
    private final Params p;
    private final Backend be;
    private final Tensor[] kCache, vCache;       // [context, C] elements per layer, laid out by the backend
    private final Tensor x, ln, qkv, att, proj, hidden, act, mlp, lnMean, lnRstd, logits, h;
    private int pos;
    private final Tensor[][] views;
    private final int[] viewK;

    public KvDecoder(GptModel model) {
        this.model = model;
        this.cfg = model.config();
        this.p = model.params();
        this.be = model.backend();
        DType t = p.dtype();
        int c = cfg.dim(), ctx = cfg.context();
        kCache = new Tensor[cfg.layers()];
        vCache = new Tensor[cfg.layers()];
        for (int l = 0; l < cfg.layers(); l++) {
            kCache[l] = be.zeros(t, ctx, c);
            vCache[l] = be.zeros(t, ctx, c);
        }
        x = be.zeros(t, 1, c);
        ln = be.zeros(t, 1, c);
        qkv = be.zeros(t, 1, 3L * c);
        att = be.zeros(t, 1, c);
        proj = be.zeros(t, 1, c);
        hidden = be.zeros(t, 1, cfg.hidden());
        act = be.zeros(t, 1, cfg.hidden());
        mlp = be.zeros(t, 1, c);
        lnMean = be.zeros(t, 1);
        lnRstd = be.zeros(t, 1);
        logits = be.zeros(t, 1, cfg.vocab());
        h = be.zeros(t, cfg.lowRank() ? cfg.maxRank() : 1);
        views = new Tensor[2 * cfg.layers()][];
        viewK = new int[2 * cfg.layers()];
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
    public Tensor next(int token) {
        if (pos >= cfg.context()) throw new IllegalStateException("context of " + cfg.context() + " tokens is full");
        if (token < 0 || token >= cfg.vocab()) throw new IllegalArgumentException("token " + token + " outside the vocabulary");
        be.embeddingAt(token, pos, p.value("wte"), p.value("wpe"), x);
        for (int l = 0; l < cfg.layers(); l++) {
            String n = "h." + l + ".";
            be.layerNormForward(x, p.value(n + "ln_1.weight"), p.value(n + "ln_1.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
            be.linearForward(ln, p.value(n + "attn.c_attn.weight"), p.value(n + "attn.c_attn.bias"), qkv);
            be.attendCached(qkv, kCache[l], vCache[l], pos, cfg.heads(), model.attentionScale(l), att);
            be.linearForward(att, p.value(n + "attn.c_proj.weight"), p.value(n + "attn.c_proj.bias"), proj);
            be.addInPlace(x, proj);
            be.layerNormForward(x, p.value(n + "ln_2.weight"), p.value(n + "ln_2.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
            if (cfg.lowRank()) {
                mlpFactored(l, 0, ln, hidden, n + "mlp.fc1");
                be.geluForward(hidden, act, cfg.tanhGelu());
                mlpFactored(l, 1, act, mlp, n + "mlp.fc2");
            } else {
                be.linearForward(ln, p.value(n + "mlp.c_fc.weight"), p.value(n + "mlp.c_fc.bias"), hidden);
                be.geluForward(hidden, act, cfg.tanhGelu());
                be.linearForward(act, p.value(n + "mlp.c_proj.weight"), p.value(n + "mlp.c_proj.bias"), mlp);
            }
            be.addInPlace(x, mlp);
        }
        be.layerNormForward(x, p.value("ln_f.weight"), p.value("ln_f.bias"), cfg.layerNormEps(), ln, lnMean, lnRstd);
        be.matmul(ln, p.value("wte"), logits, false, true, 1.0, 0.0);
        pos++;
        return logits;
    }

    private void mlpFactored(int block, int which, Tensor in, Tensor out, String name) {
        int layer = 2 * block + which, k = model.activeModes(layer);
        if (viewK[layer] != k) {           // views are made once per rank, not per token
            views[layer] = new Tensor[]{be.rows(p.value(name + ".A"), k), be.rows(p.value(name + ".Bt"), k), be.prefix(h, 1, k)};
            viewK[layer] = k;
        }
        Tensor[] v = views[layer];
        be.inRankForward(in, v[0], v[1], p.value(name + ".bias"), v[2], out);
    }
}
