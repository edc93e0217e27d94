package io.inrank.model.generate;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;

/**
 * KV-cache decoding of up to {@code slots} sequences at once: each step feeds one token per active sequence (each at
 * its own position, with its own cache) and returns one row of next-token logits per sequence. Everything that does
 * not mix positions — layer norms, the attention projections, the MLP factors, the LM head — runs as one [n, ·]
 * GEMM over the n active rows, so the weights are read once per step instead of once per sequence (decoding is
 * memory-bound); attention runs per sequence over its own cache. All buffers and views are made here, none per step.
 */
public final class BatchDecoder {
    private final GptModel model;
    private final GptConfig cfg;
    private final Params p;
    private final Backend be;
    private final int slots;
    private final Tensor[][] kCache, vCache;          // [slot][layer] → [context, C]
    private final int[] pos;
    // per active-row-count n (index n): [n, ·] views of the step buffers
    private final Tensor[] x, ln, qkv, att, proj, hidden, act, mlp, mean, rstd, logits;
    private final Tensor[][] hView;                   // [n][layer]: [n, k] factor scratch
    // per row i: [1, ·] views, for the per-sequence parts
    private final Tensor[] xRow, qkvRow, attRow, logitsRow;
    private final Tensor[][] factors;                 // [layer]: {A_k, Bt_k}
    private final int[] factorK;

    public BatchDecoder(GptModel model, int slots) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1");
        this.model = model;
        this.cfg = model.config();
        this.p = model.params();
        this.be = model.backend();
        this.slots = slots;
        DType t = p.dtype();
        int c = cfg.dim(), ctx = cfg.context(), v = cfg.vocab(), hid = cfg.hidden();
        kCache = new Tensor[slots][cfg.layers()];
        vCache = new Tensor[slots][cfg.layers()];
        for (int s = 0; s < slots; s++) {
            for (int l = 0; l < cfg.layers(); l++) {
                kCache[s][l] = be.zeros(t, ctx, c);
                vCache[s][l] = be.zeros(t, ctx, c);
            }
        }
        pos = new int[slots];
        Tensor fx = be.zeros(t, (long) slots * c), fln = be.zeros(t, (long) slots * c), fqkv = be.zeros(t, 3L * slots * c),
                fatt = be.zeros(t, (long) slots * c), fproj = be.zeros(t, (long) slots * c), fhid = be.zeros(t, (long) slots * hid),
                fact = be.zeros(t, (long) slots * hid), fmlp = be.zeros(t, (long) slots * c), fmean = be.zeros(t, slots),
                frstd = be.zeros(t, slots), flog = be.zeros(t, (long) slots * v),
                fh = be.zeros(t, (long) slots * Math.max(1, cfg.lowRank() ? cfg.maxRank() : 1));
        x = new Tensor[slots + 1];
        ln = new Tensor[slots + 1];
        qkv = new Tensor[slots + 1];
        att = new Tensor[slots + 1];
        proj = new Tensor[slots + 1];
        hidden = new Tensor[slots + 1];
        act = new Tensor[slots + 1];
        mlp = new Tensor[slots + 1];
        mean = new Tensor[slots + 1];
        rstd = new Tensor[slots + 1];
        logits = new Tensor[slots + 1];
        for (int n = 1; n <= slots; n++) {
            x[n] = be.view(fx, 0, n, c);
            ln[n] = be.view(fln, 0, n, c);
            qkv[n] = be.view(fqkv, 0, n, 3L * c);
            att[n] = be.view(fatt, 0, n, c);
            proj[n] = be.view(fproj, 0, n, c);
            hidden[n] = be.view(fhid, 0, n, hid);
            act[n] = be.view(fact, 0, n, hid);
            mlp[n] = be.view(fmlp, 0, n, c);
            mean[n] = be.view(fmean, 0, n);
            rstd[n] = be.view(frstd, 0, n);
            logits[n] = be.view(flog, 0, n, v);
        }
        xRow = new Tensor[slots];
        qkvRow = new Tensor[slots];
        attRow = new Tensor[slots];
        logitsRow = new Tensor[slots];
        for (int i = 0; i < slots; i++) {
            xRow[i] = be.view(fx, (long) i * c, 1, c);
            qkvRow[i] = be.view(fqkv, 3L * i * c, 1, 3L * c);
            attRow[i] = be.view(fatt, (long) i * c, 1, c);
            logitsRow[i] = be.view(flog, (long) i * v, 1, v);
        }
        int layers = cfg.lowRank() ? model.inRankLayers() : 0;
        factors = new Tensor[layers][];
        factorK = new int[layers];
        hView = new Tensor[slots + 1][layers];
        this.fh = fh;
    }

    private final Tensor fh;

    public int slots() {
        return slots;
    }

    /** The most tokens one sequence's cache holds (the model's context). */
    public int capacity() {
        return cfg.context();
    }

    /** Position (tokens cached) of a slot's sequence. */
    public int position(int slot) {
        return pos[slot];
    }

    /** Starts a new sequence in {@code slot} (forgets what it cached). */
    public void reset(int slot) {
        pos[slot] = 0;
    }

    /**
     * Feeds tokens[i] to the sequence in slotOf[i], for i < n (each slot at most once), and returns logits [n, V]: row
     * i predicts the token after tokens[i]. The returned tensor and {@link #row} views are reused by the next step.
     */
    public Tensor step(int[] tokens, int[] slotOf, int n) {
        if (n < 1 || n > slots) throw new IllegalArgumentException("n must be in 1.." + slots);
        for (int i = 0; i < n; i++) {
            int s = slotOf[i];
            if (pos[s] >= cfg.context()) throw new IllegalStateException("slot " + s + ": context of " + cfg.context() + " tokens is full");
            if (tokens[i] < 0 || tokens[i] >= cfg.vocab()) throw new IllegalArgumentException("token " + tokens[i] + " outside the vocabulary");
            be.embeddingAt(tokens[i], pos[s], p.value("wte"), p.value("wpe"), xRow[i]);
        }
        for (int l = 0; l < cfg.layers(); l++) {
            String name = "h." + l + ".";
            be.layerNormForward(x[n], p.value(name + "ln_1.weight"), p.value(name + "ln_1.bias"), cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
            be.linearForward(ln[n], p.value(name + "attn.c_attn.weight"), p.value(name + "attn.c_attn.bias"), qkv[n]);
            for (int i = 0; i < n; i++) {
                int s = slotOf[i];
                be.appendKv(qkvRow[i], kCache[s][l], vCache[s][l], pos[s]);
                be.attentionCached(qkvRow[i], kCache[s][l], vCache[s][l], pos[s] + 1, cfg.heads(), model.attentionScale(l), attRow[i]);
            }
            be.linearForward(att[n], p.value(name + "attn.c_proj.weight"), p.value(name + "attn.c_proj.bias"), proj[n]);
            be.addInPlace(x[n], proj[n]);
            be.layerNormForward(x[n], p.value(name + "ln_2.weight"), p.value(name + "ln_2.bias"), cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
            if (cfg.lowRank()) {
                factored(2 * l, n, ln[n], hidden[n], name + "mlp.fc1");
                be.geluForward(hidden[n], act[n], cfg.tanhGelu());
                factored(2 * l + 1, n, act[n], mlp[n], name + "mlp.fc2");
            } else {
                be.linearForward(ln[n], p.value(name + "mlp.c_fc.weight"), p.value(name + "mlp.c_fc.bias"), hidden[n]);
                be.geluForward(hidden[n], act[n], cfg.tanhGelu());
                be.linearForward(act[n], p.value(name + "mlp.c_proj.weight"), p.value(name + "mlp.c_proj.bias"), mlp[n]);
            }
            be.addInPlace(x[n], mlp[n]);
        }
        be.layerNormForward(x[n], p.value("ln_f.weight"), p.value("ln_f.bias"), cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
        be.matmul(ln[n], p.value("wte"), logits[n], false, true, 1.0, 0.0);
        for (int i = 0; i < n; i++) pos[slotOf[i]]++;
        return logits[n];
    }

    /** Row i of the last step's logits, [1, V]. */
    public Tensor row(int i) {
        return logitsRow[i];
    }

    private void factored(int layer, int n, Tensor in, Tensor out, String name) {
        int k = model.activeModes(layer);
        if (factorK[layer] != k) {          // views are made once per rank, not per step
            factors[layer] = new Tensor[]{be.rows(p.value(name + ".A"), k), be.rows(p.value(name + ".Bt"), k)};
            factorK[layer] = k;
            for (int m = 1; m <= slots; m++) hView[m][layer] = be.prefix(fh, m, k);
        }
        be.inRankForward(in, factors[layer][0], factors[layer][1], p.value(name + ".bias"), hView[n][layer], out);
    }
}
