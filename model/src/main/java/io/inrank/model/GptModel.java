package io.inrank.model;

import io.inrank.model.kernels.Attention;
import io.inrank.model.kernels.AttentionGemm;
import io.inrank.model.kernels.CrossEntropy;
import io.inrank.model.kernels.Dropout;
import io.inrank.model.kernels.Embedding;
import io.inrank.model.kernels.Gelu;
import io.inrank.model.kernels.InRankLinear;
import io.inrank.model.kernels.LayerNorm;
import io.inrank.model.kernels.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.SplittableRandom;

/**
 * GPT-2 (pre-LayerNorm, learned positions, tied LM head) with the MLP's two linears dense or InRank-factored, and a
 * hand-written forward and backward over preallocated buffers for a fixed batch × sequence shape.
 *
 * <p>Parameter names follow HF GPT-2 ({@code h.0.attn.c_attn.weight} …, weights stored [in, out]); the InRank factors
 * are {@code h.L.mlp.fc1.A} [R, in], {@code h.L.mlp.fc1.Bt} [R, out] (mode-major; the official B is Btᵀ) and
 * {@code h.L.mlp.fc1.bias}, likewise fc2. Attention-probability dropout is not implemented (embedding and residual
 * dropout are).
 */
public final class GptModel {
    private final GptConfig cfg;
    private final int batch, seq, n;
    private final Params params;
    private final int[] storedModes;      // per InRank layer (2 per block): R, rows of A and Bt
    private final int[] activeModes;      // k ≤ R, the modes in use
    private SplittableRandom dropoutRng;

    // activations, [layer] where per-block
    private final INDArray x0, encoded;
    private final INDArray[] ln1Mean, ln1Rstd, ln2Mean, ln2Rstd;
    private final INDArray[] resIn, ln1, qkv, prob, attOut, attProj, attMask, res1, ln2, fc1Out, gelu, fc1H, fc2H, mlpOut, mlpMask;
    private final INDArray embMask, lnf, lnfMean, lnfRstd, logits, ones;
    // backward temporaries
    private final INDArray dRes, dTmp, dQkv, dAtt, dHidden, dHidden2, dH;
    private final AttentionGemm.Workspace attWs;
    private int[] targets;
    private int[] lastIds;

    public GptModel(GptConfig cfg, int batch, int seq, DataType dtype, long seed) {
        this(cfg, batch, seq, dtype, seed, null);
    }

    /**
     * @param storedModes rows R of each InRank layer's factors (2 per block, fc1 then fc2); null = R_max everywhere.
     *                    Stage 2 of InRank-efficient stores exactly the chosen ranks.
     */
    public GptModel(GptConfig cfg, int batch, int seq, DataType dtype, long seed, int[] storedModes) {
        if (seq > cfg.context()) throw new IllegalArgumentException("seq " + seq + " > context " + cfg.context());
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
        this.params = new Params(layout(cfg, this.storedModes), dtype);
        this.activeModes = this.storedModes.clone();
        this.dropoutRng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Init.gpt2(params, cfg, seed);

        int c = cfg.dim(), hid = cfg.hidden(), L = cfg.layers(), r = java.util.Arrays.stream(this.storedModes).max().orElse(1);
        x0 = Nd4j.create(dtype, n, c);
        embMask = Nd4j.create(dtype, n, c);
        encoded = Nd4j.create(dtype, n, c);
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
        lnf = Nd4j.create(dtype, n, c);
        lnfMean = Nd4j.create(dtype, n);
        lnfRstd = Nd4j.create(dtype, n);
        logits = Nd4j.create(dtype, n, cfg.vocab());
        ones = Nd4j.ones(dtype, 1, n);
        dRes = Nd4j.create(dtype, n, c);
        dTmp = Nd4j.create(dtype, n, c);
        dQkv = Nd4j.create(dtype, n, 3L * c);
        dAtt = Nd4j.create(dtype, n, c);
        dHidden = Nd4j.create(dtype, n, hid);
        dHidden2 = Nd4j.create(dtype, n, hid);
        dH = cfg.lowRank() ? Nd4j.create(dtype, (long) n * r) : null;
        attWs = useGemmAttention(seq) ? new AttentionGemm.Workspace(dtype, batch, cfg.heads(), seq, cfg.headDim()) : null;
    }

    /**
     * GEMM attention pays a fixed cost per (batch, head) block, so the loop kernel wins on short sequences; measured
     * crossover on 2 cores (./inrank bench train): see README. Override with -Dinrank.attention=gemm|loop.
     */
    static boolean useGemmAttention(int seq) {
        String forced = System.getProperty("inrank.attention");
        if (forced != null) return forced.equals("gemm");
        return seq >= GEMM_ATTENTION_MIN_SEQ;
    }

    static final int GEMM_ATTENTION_MIN_SEQ = 256;

    private static INDArray[] arr(int count, DataType t, long... shape) {
        INDArray[] a = new INDArray[count];
        for (int i = 0; i < count; i++) a[i] = Nd4j.create(t, shape);
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

    private INDArray rows(INDArray m, int k) {
        return m.get(NDArrayIndex.interval(0, k), NDArrayIndex.all());
    }

    private static INDArray prefix(INDArray flat, long rows, long cols) {
        return flat.get(NDArrayIndex.interval(0, rows * cols)).reshape('c', rows, cols);
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
        Embedding.forward(ids, seq, params.value("wte"), params.value("wpe"), x0);
        Dropout.forward(x0, embMask, resIn[0], p, dropoutRng);
        for (int l = 0; l < cfg.layers(); l++) {
            String h = "h." + l + ".";
            INDArray x = resIn[l];
            LayerNorm.forward(x, params.value(h + "ln_1.weight"), params.value(h + "ln_1.bias"), cfg.layerNormEps(), ln1[l], ln1Mean[l], ln1Rstd[l]);
            Linear.forward(ln1[l], params.value(h + "attn.c_attn.weight"), params.value(h + "attn.c_attn.bias"), qkv[l]);
            double scale = Attention.scale(cfg.headDim(), l, cfg.scaleAttnByLayer());
            if (attWs != null) AttentionGemm.forward(qkv[l], attOut[l], prob[l], attWs, scale);
            else Attention.forward(qkv[l], attOut[l], prob[l], batch, seq, cfg.heads(), scale);
            Linear.forward(attOut[l], params.value(h + "attn.c_proj.weight"), params.value(h + "attn.c_proj.bias"), attProj[l]);
            Dropout.forward(attProj[l], attMask[l], res1[l], p, dropoutRng);
            res1[l].addi(x);
            LayerNorm.forward(res1[l], params.value(h + "ln_2.weight"), params.value(h + "ln_2.bias"), cfg.layerNormEps(), ln2[l], ln2Mean[l], ln2Rstd[l]);
            if (cfg.lowRank()) {
                int k1 = activeModes[2 * l], k2 = activeModes[2 * l + 1];
                InRankLinear.forward(ln2[l], rows(params.value(h + "mlp.fc1.A"), k1), rows(params.value(h + "mlp.fc1.Bt"), k1),
                        params.value(h + "mlp.fc1.bias"), prefix(fc1H[l], n, k1), fc1Out[l]);
                Gelu.forward(fc1Out[l], gelu[l], cfg.tanhGelu());
                InRankLinear.forward(gelu[l], rows(params.value(h + "mlp.fc2.A"), k2), rows(params.value(h + "mlp.fc2.Bt"), k2),
                        params.value(h + "mlp.fc2.bias"), prefix(fc2H[l], n, k2), mlpOut[l]);
            } else {
                Linear.forward(ln2[l], params.value(h + "mlp.c_fc.weight"), params.value(h + "mlp.c_fc.bias"), fc1Out[l]);
                Gelu.forward(fc1Out[l], gelu[l], cfg.tanhGelu());
                Linear.forward(gelu[l], params.value(h + "mlp.c_proj.weight"), params.value(h + "mlp.c_proj.bias"), mlpOut[l]);
            }
            INDArray next = l + 1 < cfg.layers() ? resIn[l + 1] : encoded;
            Dropout.forward(mlpOut[l], mlpMask[l], next, p, dropoutRng);
            next.addi(res1[l]);
        }
        LayerNorm.forward(encoded, params.value("ln_f.weight"), params.value("ln_f.bias"), cfg.layerNormEps(), lnf, lnfMean, lnfRstd);
        Nd4j.gemm(lnf, params.value("wte"), logits, false, true, 1.0, 0.0); // tied LM head: logits = lnf·wteᵀ
        if (targets == null) return Double.NaN;
        if (targets.length != n) throw new IllegalArgumentException("expected " + n + " targets, got " + targets.length);
        return CrossEntropy.forward(logits, targets);
    }

    /** The logits of the last forward without targets ([batch·seq, vocab]); after a forward with targets: probabilities. */
    public INDArray logits() {
        return logits;
    }

    /** Accumulates dloss/dθ into the gradient buffer (call {@link Params#zeroGrad()} between optimizer steps). */
    public void backward(double lossScale) {
        if (targets == null) throw new IllegalStateException("backward needs a forward with targets");
        CrossEntropy.backward(logits, targets, lossScale); // logits now hold dlogits
        INDArray wte = params.value("wte");
        Nd4j.gemm(logits, wte, dTmp, false, false, 1.0, 0.0);          // dlnf = dlogits·wte
        Nd4j.gemm(logits, lnf, params.grad("wte"), true, false, 1.0, 1.0); // dwte += dlogitsᵀ·lnf
        LayerNorm.backward(dTmp, encoded, params.value("ln_f.weight"), lnfMean, lnfRstd, dRes,
                params.grad("ln_f.weight"), params.grad("ln_f.bias"));
        for (int l = cfg.layers() - 1; l >= 0; l--) {
            String h = "h." + l + ".";
            // dRes = dL/d(res1 + mlp): flows to res1 directly and through the MLP
            Dropout.backward(dRes, mlpMask[l], dTmp);
            if (cfg.lowRank()) {
                int k1 = activeModes[2 * l], k2 = activeModes[2 * l + 1];
                InRankLinear.backward(dTmp, gelu[l], rows(params.value(h + "mlp.fc2.A"), k2), rows(params.value(h + "mlp.fc2.Bt"), k2),
                        prefix(fc2H[l], n, k2), prefix(dH, n, k2), dHidden, rows(params.grad(h + "mlp.fc2.A"), k2),
                        rows(params.grad(h + "mlp.fc2.Bt"), k2), params.grad(h + "mlp.fc2.bias"), ones);
                Gelu.backward(dHidden, fc1Out[l], dHidden2, cfg.tanhGelu());
                InRankLinear.backward(dHidden2, ln2[l], rows(params.value(h + "mlp.fc1.A"), k1), rows(params.value(h + "mlp.fc1.Bt"), k1),
                        prefix(fc1H[l], n, k1), prefix(dH, n, k1), dAtt, rows(params.grad(h + "mlp.fc1.A"), k1),
                        rows(params.grad(h + "mlp.fc1.Bt"), k1), params.grad(h + "mlp.fc1.bias"), ones);
            } else {
                Linear.backward(dTmp, gelu[l], params.value(h + "mlp.c_proj.weight"), dHidden, params.grad(h + "mlp.c_proj.weight"),
                        params.grad(h + "mlp.c_proj.bias"), ones);
                Gelu.backward(dHidden, fc1Out[l], dHidden2, cfg.tanhGelu());
                Linear.backward(dHidden2, ln2[l], params.value(h + "mlp.c_fc.weight"), dAtt, params.grad(h + "mlp.c_fc.weight"),
                        params.grad(h + "mlp.c_fc.bias"), ones);
            }
            LayerNorm.backward(dAtt, res1[l], params.value(h + "ln_2.weight"), ln2Mean[l], ln2Rstd[l], dTmp,
                    params.grad(h + "ln_2.weight"), params.grad(h + "ln_2.bias"));
            dRes.addi(dTmp);                                               // dL/d res1
            Dropout.backward(dRes, attMask[l], dTmp);
            Linear.backward(dTmp, attOut[l], params.value(h + "attn.c_proj.weight"), dAtt, params.grad(h + "attn.c_proj.weight"),
                    params.grad(h + "attn.c_proj.bias"), ones);
            double scale = Attention.scale(cfg.headDim(), l, cfg.scaleAttnByLayer());
            if (attWs != null) AttentionGemm.backward(dAtt, qkv[l], prob[l], dQkv, attWs, scale);
            else Attention.backward(dAtt, qkv[l], prob[l], dQkv, batch, seq, cfg.heads(), scale);
            Linear.backward(dQkv, ln1[l], params.value(h + "attn.c_attn.weight"), dAtt, params.grad(h + "attn.c_attn.weight"),
                    params.grad(h + "attn.c_attn.bias"), ones);
            LayerNorm.backward(dAtt, resIn[l], params.value(h + "ln_1.weight"), ln1Mean[l], ln1Rstd[l], dTmp,
                    params.grad(h + "ln_1.weight"), params.grad(h + "ln_1.bias"));
            dRes.addi(dTmp);                                               // dL/d resIn[l]
        }
        Dropout.backward(dRes, embMask, dTmp);
        Embedding.backward(dTmp, lastIds, seq, params.grad("wte"), params.grad("wpe"));
    }
}
