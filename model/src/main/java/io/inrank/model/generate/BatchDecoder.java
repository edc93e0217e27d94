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
 *
 * <p>The projection weights (and each InRank layer's second factor) are copied once, transposed to [out, in], so every
 * product is a row-dot-product against contiguous weight rows: one arithmetic for one row and for a batch, so a
 * sequence's logits are bit-identical alone or batched (seeded sampling stays reproducible per client), and one row
 * streams contiguous memory. The copies are a snapshot: a decoder serves the weights it was made with (the server
 * makes one per loaded checkpoint); the first factor, embeddings and norms are read in place.
 */
public final class BatchDecoder {
    private final GptModel model;
    private final GptConfig cfg;
    private final Params p;
    private final Backend be;
    private final int slots;
    private final Tensor[][] kCache, vCache;          // [slot][layer] → [context, C] elements, laid out by the backend
    private final int[] pos;
    // per active-row-count n (index n): [n, ·] views of the step buffers
    private final Tensor[] x, ln, qkv, att, proj, hidden, act, mlp, mean, rstd, logits;
    private final Tensor[][] hView;                   // [n][layer]: [n, k] factor scratch
    // per row i: [1, ·] views, for the per-sequence parts
    private final Tensor[] xRow, qkvRow, attRow, logitsRow;
    private final Tensor[][] factors;                 // [layer]: {A_k, B_k = Bt_kᵀ copy}
    private final Block[] blocks;                     // [layer]: its tensors, resolved once
    private final Tensor wte, wpe, lnfWeight, lnfBias;
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
                fh = be.zeros(t, (long) slots * Math.max(1, cfg.lowRank() ? padded(cfg.maxRank()) : 1));
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
        wte = p.value("wte");
        wpe = p.value("wpe");
        lnfWeight = p.value("ln_f.weight");
        lnfBias = p.value("ln_f.bias");
        blocks = new Block[cfg.layers()];
        for (int l = 0; l < cfg.layers(); l++) {
            String name = "h." + l + ".", fc = cfg.lowRank() ? "mlp.fc1" : "mlp.c_fc", out = cfg.lowRank() ? "mlp.fc2" : "mlp.c_proj";
            blocks[l] = new Block(p.value(name + "ln_1.weight"), p.value(name + "ln_1.bias"),
                    transposed(name + "attn.c_attn"), p.value(name + "attn.c_attn.bias"),
                    transposed(name + "attn.c_proj"), p.value(name + "attn.c_proj.bias"),
                    p.value(name + "ln_2.weight"), p.value(name + "ln_2.bias"),
                    cfg.lowRank() ? null : transposed(name + fc), p.value(name + fc + ".bias"),
                    cfg.lowRank() ? null : transposed(name + out), p.value(name + out + ".bias"), name + fc, name + out);
        }
    }

    /**
     * One transformer block's tensors, resolved once so that a step builds no names and looks nothing up. fcT/outT
     * are the dense MLP's transposed copies (null for InRank layers, whose padded factors {@link #factored} makes per
     * rank from the parameters fc / out).
     */
    private record Block(Tensor ln1Weight, Tensor ln1Bias, Tensor attnT, Tensor attnBias, Tensor projT, Tensor projBias,
                         Tensor ln2Weight, Tensor ln2Bias, Tensor fcT, Tensor fcBias, Tensor outT, Tensor outBias, String fc, String out) {}

    private Tensor transposed(String name) {
        return be.transposedCopy(p.value(name + ".weight"));
    }

    /** Row i's cached attention in one layer; one reused task (set per layer), so a step allocates nothing for it. */
    private final class AttentionRows implements java.util.function.IntConsumer {
        int layer;
        int[] slotOf;

        @Override
        public void accept(int i) {
            int s = slotOf[i];
            be.attendCached(qkvRow[i], kCache[s][layer], vCache[s][layer], pos[s], cfg.heads(), model.attentionScale(layer), attRow[i]);
        }
    }

    private final AttentionRows attentionRows = new AttentionRows();

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
            be.embeddingAt(tokens[i], pos[s], wte, wpe, xRow[i]);
        }
        attentionRows.slotOf = slotOf;
        layers(n, -1);
        be.layerNormForward(x[n], lnfWeight, lnfBias, cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
        be.matmul(ln[n], wte, logits[n], false, true, 1.0, 0.0);
        for (int i = 0; i < n; i++) pos[slotOf[i]]++;
        return logits[n];
    }

    /**
     * Feeds tokens[from, from + count) to one sequence at its next count positions in a single pass (count ≤ slots):
     * the rows share every weight read, as a step's sequences do, and attention runs position by position (each sees
     * the ones before it). No logits: the prompt's last token goes through {@link #step}, whose row predicts the first
     * new token. Every row gets the arithmetic it would get alone (the same products, norms and attention call), so
     * the cache holds the same bits as feeding the tokens one step each; a prompt of N tokens costs about N / slots
     * weight passes instead of N.
     */
    public void prefill(int slot, int[] tokens, int from, int count) {
        if (count < 1 || count > slots) throw new IllegalArgumentException("count must be in 1.." + slots);
        if (pos[slot] + count > cfg.context()) {
            throw new IllegalStateException("slot " + slot + ": " + count + " tokens do not fit the context of " + cfg.context());
        }
        for (int i = 0; i < count; i++) {
            int t = tokens[from + i];
            if (t < 0 || t >= cfg.vocab()) throw new IllegalArgumentException("token " + t + " outside the vocabulary");
            be.embeddingAt(t, pos[slot] + i, wte, wpe, xRow[i]);
        }
        layers(count, slot);
        pos[slot] += count;
    }

    /**
     * The transformer blocks over the n rows in x: one row per sequence (prefillSlot &lt; 0: row i is slotOf[i]'s next
     * position), or n consecutive positions of one sequence (prefillSlot).
     */
    private void layers(int n, int prefillSlot) {
        for (int l = 0; l < cfg.layers(); l++) {
            Block b = blocks[l];
            be.layerNormForward(x[n], b.ln1Weight(), b.ln1Bias(), cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
            be.linearForwardT(ln[n], b.attnT(), b.attnBias(), qkv[n]);
            if (prefillSlot < 0) {
                attentionRows.layer = l;
                be.forEachRow(n, attentionRows);   // each sequence against its own cache: independent, so split across threads
            } else {
                for (int i = 0; i < n; i++) {      // in order: position i attends to the ones before it
                    be.attendCached(qkvRow[i], kCache[prefillSlot][l], vCache[prefillSlot][l], pos[prefillSlot] + i, cfg.heads(),
                            model.attentionScale(l), attRow[i]);
                }
            }
            be.linearForwardT(att[n], b.projT(), b.projBias(), proj[n]);
            be.addInPlace(x[n], proj[n]);
            be.layerNormForward(x[n], b.ln2Weight(), b.ln2Bias(), cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
            if (cfg.lowRank()) {
                factored(2 * l, n, ln[n], hidden[n], b.fc(), b.fcBias());
                be.geluForward(hidden[n], act[n], cfg.tanhGelu());
                factored(2 * l + 1, n, act[n], mlp[n], b.out(), b.outBias());
            } else {
                be.linearForwardT(ln[n], b.fcT(), b.fcBias(), hidden[n]);
                be.geluForward(hidden[n], act[n], cfg.tanhGelu());
                be.linearForwardT(act[n], b.outT(), b.outBias(), mlp[n]);
            }
            be.addInPlace(x[n], mlp[n]);
        }
    }

    /** Row i of the last step's logits, [1, V]. */
    public Tensor row(int i) {
        return logitsRow[i];
    }

    /**
     * The InRank layer on its first k modes, through copies padded to a multiple of {@link #PAD} modes: A_k with zero
     * rows, B_k = Bt_kᵀ with zero columns. The padding adds exact zeros (0·0 terms), and keeps every dot product free
     * of a scalar tail (ranks like 254 are not multiples of a vector's length).
     */
    private void factored(int layer, int n, Tensor in, Tensor out, String name, Tensor bias) {
        int k = model.activeModes(layer);
        if (factorK[layer] != k) {          // made once per rank, not per step
            int kp = padded(k);
            Tensor a = p.value(name + ".A"), bt = p.value(name + ".Bt");
            Tensor aPad = be.zeros(p.dtype(), kp, a.shape()[1]), btPad = be.zeros(p.dtype(), kp, bt.shape()[1]);
            be.copy(be.rows(a, k), be.rows(aPad, k));
            be.copy(be.rows(bt, k), be.rows(btPad, k));
            factors[layer] = new Tensor[]{aPad, be.transposedCopy(btPad)};
            factorK[layer] = k;
            for (int m = 1; m <= slots; m++) hView[m][layer] = be.prefix(fh, m, kp);
        }
        be.inRankForwardT(in, factors[layer][0], factors[layer][1], bias, hView[n][layer], out);
    }

    /** Modes are padded to a multiple of this: the widest vector (AVX-512: 16 floats). */
    private static final int PAD = 16;

    private static int padded(int k) {
        return (k + PAD - 1) / PAD * PAD;
    }
}
