package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.util.Arrays;

/**
 * GPT-2 (pre-LayerNorm, learned positions, tied LM head) with the MLP's two linears dense or InRank-factored, and a
 * hand-written forward and backward over preallocated buffers for a fixed batch × sequence shape. Every block is
 * {@link TransformerBlock}; all memory and every kernel go through the {@link Backend} it is given.
 *
 * <p>Parameter names follow HF GPT-2 ({@code h.0.attn.c_attn.weight} …, weights stored [in, out]); the InRank factors
 * are {@code h.L.mlp.fc1.A} [R, in], {@code h.L.mlp.fc1.Bt} [R, out] (mode-major; the official B is Btᵀ) and
 * {@code h.L.mlp.fc1.bias}, likewise fc2. Dropout (training only) on the embeddings, the attention probabilities and
 * both residual branches, as GPT-2's embd/attn/resid_pdrop, with counter-based masks: (seed, step, tensor, element)
 * decides each element ({@link DropoutKey}), so every backend drops the same ones and the backward regenerates them.
 */
public final class GptModel {
    private final Backend be;
    private final GptConfig cfg;
    private final int batch, seq, n;
    private final Params params;
    private final int[] storedModes; // per InRank layer (2 per block): R, rows of A and Bt
    private final int[] activeModes; // k ≤ R, the modes in use
    private final long dropoutSeed;
    private final Tensor[] base; // [InRank layer] → frozen W_0 [in, out] of a cumulative model (null otherwise)
    private DropoutKey[] dropoutKeys; // by tensor id, for the current dropout step

    private final BlockWeights[] weights, grads; // [layer], remade for a block when its k changes
    private final BlockActivations[] acts; // [layer]
    private final long[][] blockReady; // [layer] → its gradients' ranges that a backward finishes, last range first
    private final Tensor[] fcH, outH; // [layer] → [n·R] hidden buffers of the InRank linears
    private final Tensor[] dfcH, doutH; // [layer] → [n, k] views of dH
    private final Tensor x0; // [n, C] embeddings before dropout
    private final Tensor lnf, lnfMean, lnfRstd; // [n, C], [n], [n]
    private final Tensor logits; // [n, V]; probabilities, then dlogits, after a forward with targets
    private final Tensor dRes, dH; // [n, C] residual-stream gradient; [n·R] InRank scratch
    private final TransformerBlock.Scratch scratch;
    private final TransformerBlock.Attention attention = this::attend;
    private int[] targets;
    private int[] lastIds;
    private double dropout;

    /**
     * @param seed        initialisation and dropout seed
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
        int layers = cfg.layers();
        this.storedModes = new int[2 * layers];
        Arrays.fill(this.storedModes, cfg.maxRank());
        if (storedModes != null) {
            if (storedModes.length != this.storedModes.length)
                throw new IllegalArgumentException("need " + this.storedModes.length + " stored ranks");
            for (int r : storedModes)
                if (r < 1 || r > cfg.maxRank())
                    throw new IllegalArgumentException("stored rank " + r + " outside 1.." + cfg.maxRank());
            System.arraycopy(storedModes, 0, this.storedModes, 0, storedModes.length);
        }
        this.params = new Params(be, layout(cfg, this.storedModes), dtype);
        this.activeModes = this.storedModes.clone();
        this.dropoutSeed = seed;
        setDropoutStep(0);
        Init.gpt2(params, cfg, seed);
        base = cfg.cumulative() ? new Tensor[2 * layers] : null;
        for (int i = 0; base != null && i < base.length; i++) { // regenerated from the seed, never stored
            base[i] = i % 2 == 0 ? be.zeros(dtype, cfg.dim(), cfg.hidden()) : be.zeros(dtype, cfg.hidden(), cfg.dim());
            be.fromHost(base[i], FrozenBase.values(cfg, seed, i));
        }

        int c = cfg.dim(), r = Arrays.stream(this.storedModes).max().orElse(1);
        x0 = be.zeros(dtype, n, c);
        acts = new BlockActivations[layers];
        Tensor in = be.zeros(dtype, n, c);
        for (int l = 0; l < layers; l++) {
            acts[l] = BlockActivations.forTraining(be, dtype, cfg, batch, seq, in);
            in = acts[l].out;
        }
        lnf = be.zeros(dtype, n, c);
        lnfMean = be.zeros(dtype, n);
        lnfRstd = be.zeros(dtype, n);
        logits = be.zeros(dtype, n, cfg.vocab());
        dRes = be.zeros(dtype, n, c);
        dH = cfg.lowRank() ? be.zeros(dtype, (long) n * r) : null;
        scratch = new TransformerBlock.Scratch(
                be.zeros(dtype, n, c),
                be.zeros(dtype, n, c),
                be.zeros(dtype, n, 3L * c),
                be.zeros(dtype, n, cfg.hidden()),
                be.zeros(dtype, n, cfg.hidden()),
                be.ones(dtype, 1, n));
        fcH = new Tensor[layers];
        outH = new Tensor[layers];
        dfcH = new Tensor[layers];
        doutH = new Tensor[layers];
        weights = new BlockWeights[layers];
        grads = new BlockWeights[layers];
        blockReady = new long[layers][];
        for (int l = 0; l < layers; l++) {
            if (cfg.lowRank()) {
                fcH[l] = be.zeros(dtype, (long) n * this.storedModes[2 * l]);
                outH[l] = be.zeros(dtype, (long) n * this.storedModes[2 * l + 1]);
            }
            resolveBlock(l);
        }
    }

    /**
     * The number of parameters {@link #layout} makes, in closed form and overflow-checked (ArithmeticException), so a
     * loader can size a claimed model against its file before allocating anything.
     */
    public static long parameterCount(GptConfig cfg, int[] stored) {
        long c = cfg.dim();
        long n = Math.addExact(Math.multiplyExact((long) cfg.vocab(), c), Math.multiplyExact((long) cfg.context(), c));
        long block = Math.addExact(Math.multiplyExact(4 * c, c), 8 * c); // LNs, attention weights and biases
        n = Math.addExact(n, Math.multiplyExact(cfg.layers(), block));
        return Math.addExact(Math.addExact(n, mlpParameterCount(cfg, stored)), 2 * c);
    }

    /** The MLPs' share of {@link #parameterCount}: dense weights, or the factors at the stored ranks; biases included. */
    public static long mlpParameterCount(GptConfig cfg, int[] stored) {
        long c = cfg.dim(), hid = cfg.hidden();
        long n = Math.multiplyExact(cfg.layers(), cfg.lowRank() ? hid + c : Math.addExact(2 * c * hid, hid + c));
        for (int i = 0; cfg.lowRank() && i < cfg.layers(); i++)
            n = Math.addExact(n, Math.multiplyExact((long) stored[2 * i] + stored[2 * i + 1], c + hid));
        return n;
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
                l.add(p + "mlp.fc1.A", true, r1, c)
                        .add(p + "mlp.fc1.Bt", true, r1, hid)
                        .add(p + "mlp.fc1.bias", false, hid);
                l.add(p + "mlp.fc2.A", true, r2, hid)
                        .add(p + "mlp.fc2.Bt", true, r2, c)
                        .add(p + "mlp.fc2.bias", false, c);
            } else {
                l.add(p + "mlp.c_fc.weight", true, c, hid).add(p + "mlp.c_fc.bias", false, hid);
                l.add(p + "mlp.c_proj.weight", true, hid, c).add(p + "mlp.c_proj.bias", false, c);
            }
        }
        l.add("ln_f.weight", false, c).add("ln_f.bias", false, c);
        return l;
    }

    /**
     * Block l's typed weights, gradients and k-sized views, made here and not per step (creating views costs the ND4J
     * backend native memory that is slow to come back).
     */
    private void resolveBlock(int l) {
        int k1 = activeModes[2 * l], k2 = activeModes[2 * l + 1];
        Tensor[] w0 = base == null ? null : new Tensor[] {base[2 * l], base[2 * l + 1]};
        weights[l] = BlockWeights.of(params, l, false, k1, k2, w0);
        grads[l] = BlockWeights.of(params, l, true, k1, k2, w0);
        blockReady[l] = readyRanges(l, k1, k2);
        if (cfg.lowRank()) {
            acts[l].fcH = be.prefix(fcH[l], n, k1);
            acts[l].outH = be.prefix(outH[l], n, k2);
            dfcH[l] = be.prefix(dH, n, k1);
            doutH[l] = be.prefix(dH, n, k2);
        }
    }

    /**
     * Block l's parameters as (offset, length) pairs of the flat buffers, last range first, less the stored modes
     * beyond k1, k2 of its InRank factors (rows of A and Bt that no backward writes: their gradients stay zero).
     */
    private long[] readyRanges(int l, int k1, int k2) {
        String p = "h." + l + ".";
        Params.Entry last = params.get(p + (cfg.lowRank() ? "mlp.fc2.bias" : "mlp.c_proj.bias"));
        long at = params.get(p + "ln_1.weight").offset(), end = last.offset() + last.length();
        long[] asc = new long[10]; // at most 5 ranges: the gaps are the four factors' unused rows
        int n = 0;
        for (String f : cfg.lowRank() ? new String[] {"fc1.A", "fc1.Bt", "fc2.A", "fc2.Bt"} : new String[0]) {
            Params.Entry e = params.get(p + "mlp." + f);
            long used = (long) (f.startsWith("fc1") ? k1 : k2) * e.shape()[1]; // rows are modes
            if (used == e.length()) continue;
            asc[n++] = at;
            asc[n++] = e.offset() + used - at;
            at = e.offset() + e.length();
        }
        asc[n++] = at;
        asc[n++] = end - at;
        long[] desc = new long[n];
        for (int i = 0; i < n; i += 2) {
            desc[n - 2 - i] = asc[i];
            desc[n - 1 - i] = asc[i + 1];
        }
        return desc;
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

    /** Block l's weights at the current active modes (handles into the parameter buffer). */
    public BlockWeights blockWeights(int l) {
        return weights[l];
    }

    /** Active modes k of InRank layer {@code 2·block + (fc2 ? 1 : 0)}. */
    public int activeModes(int layer) {
        return activeModes[layer];
    }

    public void setActiveModes(int layer, int k) {
        if (k < 1 || k > storedModes[layer])
            throw new IllegalArgumentException("k must be in 1.." + storedModes[layer] + ", got " + k);
        activeModes[layer] = k;
        resolveBlock(layer / 2);
    }

    /**
     * The frozen W_0 [in, out] of InRank layer {@code layer} in a cumulative model (regenerated from the seed by
     * {@link FrozenBase}; a test may overwrite it); null for other modes.
     */
    public Tensor base(int layer) {
        return base == null ? null : base[layer];
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

    public long dropoutSeed() {
        return dropoutSeed;
    }

    /**
     * The counter of the next forward's dropout masks (keys (seed, step, tensor)): the trainer sets it per micro-batch,
     * so a resumed run draws the masks an uninterrupted one would, and a backward regenerates its forward's.
     */
    public void setDropoutStep(long step) {
        setDropoutStep(step, 0);
    }

    /**
     * As {@link #setDropoutStep(long)} for a model holding sequences {@code firstSequence}… of a larger global batch (a
     * data-parallel replica's shard): its elements are keyed by their index in the whole batch, so the masks do not
     * depend on how the batch is split.
     */
    public void setDropoutStep(long step, long firstSequence) {
        long rowsBefore = firstSequence * seq; // [n, C] tensors: the embeddings and both residual branches
        long probsBefore = firstSequence * cfg.heads() * (long) seq * seq; // [B, H, T, T]: the attention probabilities
        DropoutKey[] k = new DropoutKey[1 + 3 * cfg.layers()];
        for (int i = 0; i < k.length; i++)
            k[i] = new DropoutKey(dropoutSeed, step, i, i % 3 == 1 ? probsBefore : rowsBefore * cfg.dim());
        dropoutKeys = k;
    }

    /**
     * Forward pass on {@code ids} (batch·seq tokens, row-major); with {@code targets} also the mean cross-entropy,
     * after which {@link #backward} may be called. Without targets the logits are kept ({@link #logits}).
     *
     * @param train apply dropout
     */
    public double forward(int[] ids, int[] targets, boolean train) {
        if (ids.length != n) throw new IllegalArgumentException("expected " + n + " ids, got " + ids.length);
        if (targets != null && targets.length != n)
            throw new IllegalArgumentException("expected " + n + " targets, got " + targets.length);
        this.targets = targets;
        this.lastIds = ids;
        dropout = train ? cfg.dropout() : 0.0;
        be.embeddingForward(ids, seq, params.value("wte"), params.value("wpe"), x0);
        be.dropoutForward(x0, acts[0].in, dropout, dropoutKeys[0]);
        for (int l = 0; l < cfg.layers(); l++)
            TransformerBlock.forward(be, cfg, l, weights[l], acts[l], attention, dropout, dropoutKeys);
        Tensor encoded = acts[cfg.layers() - 1].out;
        be.layerNormForward(
                encoded,
                params.value("ln_f.weight"),
                params.value("ln_f.bias"),
                cfg.layerNormEps(),
                lnf,
                lnfMean,
                lnfRstd);
        be.matmul(lnf, params.value("wte"), logits, false, true, 1.0, 0.0); // tied LM head: logits = lnf·wteᵀ
        return targets == null ? Double.NaN : be.crossEntropyForward(logits, targets);
    }

    /** Training attention: the causal kernel over the batch, keeping the log-sum-exp rows. */
    private void attend(int layer, Tensor qkv, Tensor att, Tensor lse) {
        be.attentionForward(
                qkv,
                att,
                lse,
                batch,
                cfg.heads(),
                attentionScale(layer),
                dropout,
                dropoutKeys[TransformerBlock.attentionDropoutId(layer)]);
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
        backward(lossScale, GradientsReady.NONE);
    }

    /**
     * As {@link #backward(double)}, telling {@code ready} each range of the gradient buffer as soon as its kernels have
     * been issued (their results follow in the backend's order): the final LayerNorm's, each block's from the last,
     * and the embeddings' at the end.
     */
    public void backward(double lossScale, GradientsReady ready) {
        if (targets == null) throw new IllegalStateException("backward needs a forward with targets");
        be.crossEntropyBackward(logits, targets, lossScale); // logits now hold dlogits
        Tensor wte = params.value("wte"), dlnf = scratch.dTmp();
        be.matmul(logits, wte, dlnf, false, false, 1.0, 0.0); // dlnf = dlogits·wte
        be.matmul(logits, lnf, params.grad("wte"), true, false, 1.0, 1.0); // dwte += dlogitsᵀ·lnf
        be.layerNormBackward(
                dlnf,
                acts[cfg.layers() - 1].out,
                params.value("ln_f.weight"),
                lnfMean,
                lnfRstd,
                dRes,
                params.grad("ln_f.weight"),
                params.grad("ln_f.bias"));
        ready.ready(params.get("ln_f.weight").offset(), 2L * cfg.dim());
        for (int l = cfg.layers() - 1; l >= 0; l--) {
            TransformerBlock.backward(
                    be,
                    cfg,
                    l,
                    weights[l],
                    grads[l],
                    acts[l],
                    dRes,
                    scratch,
                    dfcH[l],
                    doutH[l],
                    batch,
                    attentionScale(l),
                    dropout,
                    dropoutKeys);
            long[] r = blockReady[l];
            for (int i = 0; i < r.length; i += 2) ready.ready(r[i], r[i + 1]);
        }
        be.dropoutBackward(dRes, scratch.dTmp(), dropout, dropoutKeys[0]);
        be.embeddingBackward(scratch.dTmp(), lastIds, seq, params.grad("wte"), params.grad("wpe"));
        Params.Entry wpe = params.get("wpe");
        ready.ready(0, wpe.offset() + wpe.length()); // wte, then wpe
    }
}
