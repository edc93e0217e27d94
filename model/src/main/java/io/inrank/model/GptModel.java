package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.model.backend.nd4j.Nd4jBackend;

import java.util.SplittableRandom;

/**
 * GPT-2 (pre-LayerNorm, learned positions, tied LM head) with the MLP's two linears dense or InRank-factored, and a
 * hand-written forward and backward over preallocated buffers for a fixed batch × sequence shape. All memory and every
 * kernel go through a {@link Backend}; the model holds only tensor handles.
 *
 * <p>Parameter names follow HF GPT-2 ({@code h.0.attn.c_attn.weight} …, weights stored [in, out]); the InRank factors
 * are {@code h.L.mlp.fc1.A} [R, in], {@code h.L.mlp.fc1.Bt} [R, out] (mode-major; the official B is Btᵀ) and
 * {@code h.L.mlp.fc1.bias}, likewise fc2. Dropout (training only) on the embeddings, the attention probabilities and
 * both residual branches, as GPT-2's embd/attn/resid_pdrop; the attention masks are regenerated in the backward.
 */
public final class GptModel {
    private final Backend be;
    private final GptConfig cfg;
    private final int batch, seq, n;
    private final Params params;
    private final int[] storedModes;      // per InRank layer (2 per block): R, rows of A and Bt
    private final int[] activeModes;      // k ≤ R, the modes in use
    private SplittableRandom dropoutRng;

    // activations, [layer] where per-block
    private final Tensor x0, encoded;
    private final Tensor[] ln1Mean, ln1Rstd, ln2Mean, ln2Rstd;
    private final Tensor[] resIn, ln1, qkv, prob, attOut, attProj, attMask, res1, ln2, fc1Out, gelu, fc1H, fc2H, mlpOut, mlpMask;
    private final Tensor embMask, lnf, lnfMean, lnfRstd, logits, ones;
    // backward temporaries
    private final Tensor dRes, dTmp, dQkv, dAtt, dHidden, dHidden2, dH;
    private final Object attWs;
    private int[] targets;
    private int[] lastIds;
    private final long[] attnSeed;
    private double attnDropout;
    /** Bias gradients as [1, out] rows (the GEMM that sums dy over rows writes into them), made once. */
    private final java.util.Map<String, Tensor> biasGradRows = new java.util.HashMap<>();
    /** Per InRank layer: views of the first k modes (A, Bt, their grads, h, dh), rebuilt only when k changes. */
    private final Tensor[][] activeViews;

    public GptModel(GptConfig cfg, int batch, int seq, DType dtype, long seed) {
        this(cfg, batch, seq, dtype, seed, null);
    }

    public GptModel(GptConfig cfg, int batch, int seq, DType dtype, long seed, int[] storedModes) {
        this(Nd4jBackend.INSTANCE, cfg, batch, seq, dtype, seed, storedModes);
    }

    /**
     * @param storedModes rows R of each InRank layer's factors (2 per block, fc1 then fc2); null = R_max everywhere.
     *                    Stage 2 of InRank-efficient stores exactly the chosen ranks.
     */
    public GptModel(Backend be, GptConfig cfg, int batch, int seq, DType dtype, long seed, int[] storedModes) {
        if (seq > cfg.context()) throw new IllegalArgumentException("seq " + seq + " > context " + cfg.context());
        this.be = be;
        this.cfg = cfg;
        this.batch = batch;
        this.seq = seq;
        this.n = batch * seq;
        this.storedModes = new int[2 * cfg.layers()];
        java.util.Arrays.fill(this.storedModes, cfg.maxRank());
        if (storedModes != null) {
            if (storedModes.length != this.storedModes.length) throw new IllegalArgumentException("need " + this.storedModes.length + " stored ranks");
            for (int r : storedModes) if (r < 1 || r > cfg.maxRank()) throw new IllegalArgumentException("stored rank " + r + " outside 1.." + cfg.maxRank());
            System.arraycopy(storedModes, 0, this.storedModes, 0, storedModes.length);
        }
        this.params = new Params(be, layout(cfg, this.storedModes), dtype);
        this.activeModes = this.storedModes.clone();
        this.dropoutRng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Init.gpt2(params, cfg, seed);

        int c = cfg.dim(), hid = cfg.hidden(), L = cfg.layers(), r = java.util.Arrays.stream(this.storedModes).max().orElse(1);
        x0 = be.zeros(dtype, n, c);
        embMask = be.zeros(dtype, n, c);
        encoded = be.zeros(dtype, n, c);
        resIn = arr(L, dtype, n, c);
        ln1 = arr(L, dtype, n, c);
        ln1Mean = arr(L, dtype, n);
        ln1Rstd = arr(L, dtype, n);
        qkv = arr(L, dtype, n, 3L * c);
        prob = arr(L, dtype, batch, cfg.heads(), seq, seq);
        attOut = arr(L, dtype, n, c);
        attProj = arr(L, dtype, n, c);
        attMask = arr(L, dtype, n, c);
        res1 = arr(L, dtype, n, c);
        ln2 = arr(L, dtype, n, c);
        ln2Mean = arr(L, dtype, n);
        ln2Rstd = arr(L, dtype, n);
        fc1Out = arr(L, dtype, n, hid);
        gelu = arr(L, dtype, n, hid);
        fc1H = cfg.lowRank() ? arr(L, dtype, (long) n * r) : null;
        fc2H = cfg.lowRank() ? arr(L, dtype, (long) n * r) : null;
        mlpOut = arr(L, dtype, n, c);
        mlpMask = arr(L, dtype, n, c);
        lnf = be.zeros(dtype, n, c);
        lnfMean = be.zeros(dtype, n);
        lnfRstd = be.zeros(dtype, n);
        logits = be.zeros(dtype, n, cfg.vocab());
        ones = be.ones(dtype, 1, n);
        dRes = be.zeros(dtype, n, c);
        dTmp = be.zeros(dtype, n, c);
        dQkv = be.zeros(dtype, n, 3L * c);
        dAtt = be.zeros(dtype, n, c);
        dHidden = be.zeros(dtype, n, hid);
        dHidden2 = be.zeros(dtype, n, hid);
        dH = cfg.lowRank() ? be.zeros(dtype, (long) n * r) : null;
        attWs = be.attentionWorkspace(dtype, batch, cfg.heads(), seq, cfg.headDim());
        attnSeed = new long[L];
        for (Params.Entry e : params.all().values()) {
            if (e.name().endsWith(".bias") && e.shape().length == 1) biasGradRows.put(e.name(), be.view(params.grads(), e.offset(), 1, e.length()));
        }
        activeViews = new Tensor[2 * L][];
        if (cfg.lowRank()) for (int i = 0; i < 2 * L; i++) buildActiveViews(i);
    }

    private Tensor[] arr(int count, DType t, long... shape) {
        Tensor[] a = new Tensor[count];
        for (int i = 0; i < count; i++) a[i] = be.zeros(t, shape);
        return a;
    }

    /** The parameter layout: embeddings, per block LN/attention/LN/MLP, final LN. */
    static Params.Layout layout(GptConfig cfg, int[] stored) {
        int c = cfg.dim(), hid = cfg.hidden();
        Params.Layout l = new Params.Layout();
        l.add("wte", false, cfg.vocab(), c).add("wpe", false, cfg.context(), c);
        for (int i = 0; i < cfg.layers(); i++) {
            String p = "h." + i + ".";
            l.add(p + "ln_1.weight", false, c).add(p + "ln_1.bias", false, c);
            l.add(p + "attn.c_attn.weight", true, c, 3L * c).add(p + "attn.c_attn.bias", false, 3L * c);
            l.add(p + "attn.c_proj.weight", true, c, c).add(p + "attn.c_proj.bias", false, c);
            l.add(p + "ln_2.weight", false, c).add(p + "ln_2.bias", false, c);
            if (cfg.lowRank()) {
                int r1 = stored[2 * i], r2 = stored[2 * i + 1];
                l.add(p + "mlp.fc1.A", true, r1, c).add(p + "mlp.fc1.Bt", true, r1, hid).add(p + "mlp.fc1.bias", false, hid);
                l.add(p + "mlp.fc2.A", true, r2, hid).add(p + "mlp.fc2.Bt", true, r2, c).add(p + "mlp.fc2.bias", false, c);
            } else {
                l.add(p + "mlp.c_fc.weight", true, c, hid).add(p + "mlp.c_fc.bias", false, hid);
                l.add(p + "mlp.c_proj.weight", true, hid, c).add(p + "mlp.c_proj.bias", false, c);
            }
        }
        l.add("ln_f.weight", false, c).add("ln_f.bias", false, c);
        return l;
    }

    public Backend backend() {
        return be;
    }

    public GptConfig config() {
        return cfg;
    }

    public Params params() {
        return params;
    }

    /** Active modes k of InRank layer {@code 2·block + (fc2 ? 1 : 0)}. */
    public int activeModes(int layer) {
        return activeModes[layer];
    }

    public void setActiveModes(int layer, int k) {
        if (k < 1 || k > storedModes[layer]) throw new IllegalArgumentException("k must be in 1.." + storedModes[layer] + ", got " + k);
        activeModes[layer] = k;
        buildActiveViews(layer);
    }

    /** View objects are made here, not per step: creating ND4J views costs native memory that is slow to come back. */
    private void buildActiveViews(int layer) {
        String name = inRankName(layer);
        int k = activeModes[layer];
        Tensor[] hBuf = layer % 2 == 0 ? fc1H : fc2H;
        activeViews[layer] = new Tensor[]{
                be.rows(params.value(name + ".A"), k), be.rows(params.value(name + ".Bt"), k),
                be.rows(params.grad(name + ".A"), k), be.rows(params.grad(name + ".Bt"), k),
                be.prefix(hBuf[layer / 2], n, k), be.prefix(dH, n, k)};
    }

    /** Dropout masks are drawn from a stream seeded here; the trainer reseeds per step so a resumed run is identical. */
    public void reseedDropout(long seed) {
        dropoutRng = new SplittableRandom(seed);
    }

    public int storedModes(int layer) {
        return storedModes[layer];
    }

    /** Number of InRank layers (two per block), 0 for a dense model. */
    public int inRankLayers() {
        return cfg.lowRank() ? storedModes.length : 0;
    }

    /** Parameter names of InRank layer i: {prefix} for .A, .Bt, .bias. */
    public static String inRankName(int layer) {
        return "h." + (layer / 2) + ".mlp." + (layer % 2 == 0 ? "fc1" : "fc2");
    }

    public int batch() {
        return batch;
    }

    public int seq() {
        return seq;
    }

    /**
     * Forward pass on {@code ids} (batch·seq tokens, row-major); with {@code targets} also the mean cross-entropy,
     * after which {@link #backward} may be called. Without targets the logits are kept ({@link #logits}).
     *
     * @param train apply dropout
     */
    public double forward(int[] ids, int[] targets, boolean train) {
        if (ids.length != n) throw new IllegalArgumentException("expected " + n + " ids, got " + ids.length);
        this.targets = targets;
        this.lastIds = ids;
        double p = train ? cfg.dropout() : 0.0;
        attnDropout = p;
        be.embeddingForward(ids, seq, params.value("wte"), params.value("wpe"), x0);
        be.dropoutForward(x0, embMask, resIn[0], p, dropoutRng);
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "h." + l + ".";
            Tensor x = resIn[l];
            be.layerNormForward(x, params.value(h + "ln_1.weight"), params.value(h + "ln_1.bias"), cfg.layerNormEps(), ln1[l], ln1Mean[l], ln1Rstd[l]);
            be.linearForward(ln1[l], params.value(h + "attn.c_attn.weight"), params.value(h + "attn.c_attn.bias"), qkv[l]);
            attnSeed[l] = p > 0 ? dropoutRng.nextLong() : 0;
            be.attentionForward(qkv[l], attOut[l], prob[l], attWs, attentionScale(l), p, attnSeed[l]);
            be.linearForward(attOut[l], params.value(h + "attn.c_proj.weight"), params.value(h + "attn.c_proj.bias"), attProj[l]);
            be.dropoutForward(attProj[l], attMask[l], res1[l], p, dropoutRng);
            be.addInPlace(res1[l], x);
            be.layerNormForward(res1[l], params.value(h + "ln_2.weight"), params.value(h + "ln_2.bias"), cfg.layerNormEps(), ln2[l], ln2Mean[l], ln2Rstd[l]);
            if (cfg.lowRank()) {
                Tensor[] v1 = activeViews[2 * l], v2 = activeViews[2 * l + 1];
                be.inRankForward(ln2[l], v1[0], v1[1], params.value(h + "mlp.fc1.bias"), v1[4], fc1Out[l]);
                be.geluForward(fc1Out[l], gelu[l], cfg.tanhGelu());
                be.inRankForward(gelu[l], v2[0], v2[1], params.value(h + "mlp.fc2.bias"), v2[4], mlpOut[l]);
            } else {
                be.linearForward(ln2[l], params.value(h + "mlp.c_fc.weight"), params.value(h + "mlp.c_fc.bias"), fc1Out[l]);
                be.geluForward(fc1Out[l], gelu[l], cfg.tanhGelu());
                be.linearForward(gelu[l], params.value(h + "mlp.c_proj.weight"), params.value(h + "mlp.c_proj.bias"), mlpOut[l]);
            }
            Tensor next = l + 1 < cfg.layers() ? resIn[l + 1] : encoded;
            be.dropoutForward(mlpOut[l], mlpMask[l], next, p, dropoutRng);
            be.addInPlace(next, res1[l]);
        }
        be.layerNormForward(encoded, params.value("ln_f.weight"), params.value("ln_f.bias"), cfg.layerNormEps(), lnf, lnfMean, lnfRstd);
        be.matmul(lnf, params.value("wte"), logits, false, true, 1.0, 0.0); // tied LM head: logits = lnf·wteᵀ
        if (targets == null) return Double.NaN;
        if (targets.length != n) throw new IllegalArgumentException("expected " + n + " targets, got " + targets.length);
        return be.crossEntropyForward(logits, targets);
    }

    /** The attention logit scale of a layer: 1/√d_head, and 1/(layer+1) with inverse-layer scaling. */
    public double attentionScale(int layer) {
        double s = 1.0 / Math.sqrt(cfg.headDim());
        return cfg.scaleAttnByLayer() ? s / (layer + 1) : s;
    }

    /** The logits of the last forward without targets ([batch·seq, vocab]); after a forward with targets: probabilities. */
    public Tensor logits() {
        return logits;
    }

    /** Accumulates dloss/dθ into the gradient buffer (call {@link Params#zeroGrad()} between optimizer steps). */
    public void backward(double lossScale) {
        if (targets == null) throw new IllegalStateException("backward needs a forward with targets");
        be.crossEntropyBackward(logits, targets, lossScale); // logits now hold dlogits
        Tensor wte = params.value("wte");
        be.matmul(logits, wte, dTmp, false, false, 1.0, 0.0);          // dlnf = dlogits·wte
        be.matmul(logits, lnf, params.grad("wte"), true, false, 1.0, 1.0); // dwte += dlogitsᵀ·lnf
        be.layerNormBackward(dTmp, encoded, params.value("ln_f.weight"), lnfMean, lnfRstd, dRes,
                params.grad("ln_f.weight"), params.grad("ln_f.bias"));
        for (int l = cfg.layers() - 1; l >= 0; l--) {
            String h = "h." + l + ".";
            // dRes = dL/d(res1 + mlp): flows to res1 directly and through the MLP
            be.dropoutBackward(dRes, mlpMask[l], dTmp);
            if (cfg.lowRank()) {
                Tensor[] v1 = activeViews[2 * l], v2 = activeViews[2 * l + 1];
                be.inRankBackward(dTmp, gelu[l], v2[0], v2[1], v2[4], v2[5], dHidden, v2[2], v2[3], biasGradRows.get(h + "mlp.fc2.bias"), ones);
                be.geluBackward(dHidden, fc1Out[l], dHidden2, cfg.tanhGelu());
                be.inRankBackward(dHidden2, ln2[l], v1[0], v1[1], v1[4], v1[5], dAtt, v1[2], v1[3], biasGradRows.get(h + "mlp.fc1.bias"), ones);
            } else {
                be.linearBackward(dTmp, gelu[l], params.value(h + "mlp.c_proj.weight"), dHidden, params.grad(h + "mlp.c_proj.weight"),
                        biasGradRows.get(h + "mlp.c_proj.bias"), ones);
                be.geluBackward(dHidden, fc1Out[l], dHidden2, cfg.tanhGelu());
                be.linearBackward(dHidden2, ln2[l], params.value(h + "mlp.c_fc.weight"), dAtt, params.grad(h + "mlp.c_fc.weight"),
                        biasGradRows.get(h + "mlp.c_fc.bias"), ones);
            }
            be.layerNormBackward(dAtt, res1[l], params.value(h + "ln_2.weight"), ln2Mean[l], ln2Rstd[l], dTmp,
                    params.grad(h + "ln_2.weight"), biasGradRows.get(h + "ln_2.bias"));
            be.addInPlace(dRes, dTmp);                                      // dL/d res1
            be.dropoutBackward(dRes, attMask[l], dTmp);
            be.linearBackward(dTmp, attOut[l], params.value(h + "attn.c_proj.weight"), dAtt, params.grad(h + "attn.c_proj.weight"),
                    biasGradRows.get(h + "attn.c_proj.bias"), ones);
            be.attentionBackward(dAtt, qkv[l], prob[l], dQkv, attWs, attentionScale(l), attnDropout, attnSeed[l]);
            be.linearBackward(dQkv, ln1[l], params.value(h + "attn.c_attn.weight"), dAtt, params.grad(h + "attn.c_attn.weight"),
                    biasGradRows.get(h + "attn.c_attn.bias"), ones);
            be.layerNormBackward(dAtt, resIn[l], params.value(h + "ln_1.weight"), ln1Mean[l], ln1Rstd[l], dTmp,
                    params.grad(h + "ln_1.weight"), biasGradRows.get(h + "ln_1.bias"));
            be.addInPlace(dRes, dTmp);                                      // dL/d resIn[l]
        }
        be.dropoutBackward(dRes, embMask, dTmp);
        be.embeddingBackward(dTmp, lastIds, seq, params.grad("wte"), params.grad("wpe"));
    }
}
