package io.inrank.model.generate;

import io.inrank.model.BlockActivations;
import io.inrank.model.BlockWeights;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.TransformerBlock;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;

/**
 * KV-cache decoding of up to {@code slots} sequences at once: each step feeds one token per active sequence (each at
 * its own position, with its own cache) and returns one row of next-token logits per sequence. The blocks are
 * {@link TransformerBlock}'s forward over the n active rows, so the weights are read once per step instead of once per
 * sequence (decoding is memory-bound); attention is a cache step ({@link Backend#attendCached}). All buffers and views
 * are made here, none per step.
 *
 * <p>The weights of every product are inference copies ({@link BlockWeights#forInference}: a layout of the backend's
 * choosing; the CPU backend stores them transposed so that every product is a row-dot-product, one arithmetic for one
 * row and for a batch — a sequence's logits are bit-identical alone or batched). The copies are a snapshot: a decoder
 * serves the weights it was made with (the server makes one per loaded checkpoint); embeddings and norms are read in
 * place. A change of a layer's active modes is picked up at the next step.
 */
public final class BatchDecoder {
    private final GptModel model;
    private final GptConfig cfg;
    private final Backend be;
    private final int slots;
    private final Tensor[] kCache, vCache; // [layer] → [slots, context, C], laid out by the backend
    private final int[] pos; // [slot] tokens cached
    private final BlockActivations[] acts; // [n]: views of the first n rows of the step buffers
    private final Tensor[] x, ln, mean, rstd, logits; // [n] → [n, C], [n, C], [n], [n], [n, V]
    private final Tensor[] logitsRow; // [i] → [1, V]
    private Tensor fh; // [slots · widest inference factor] InRank hidden scratch
    private final Tensor[][] hView; // [n][InRank layer] → [n, modes] view of fh
    private final BlockWeights[] weights; // [layer] inference copies
    private final int[] copiedModes; // [InRank layer] the k the copies were made at
    private final Tensor wte, wpe, lnfWeight, lnfBias;
    private final int[] rowSlots, rowPositions; // per step: each row's slot and position
    private final int[] ids; // a prefill chunk's tokens from row 0
    private final TransformerBlock.Attention attention = this::attend;
    private int rows; // rows of the step in flight

    public BatchDecoder(GptModel model, int slots) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1");
        this.model = model;
        this.cfg = model.config();
        this.be = model.backend();
        this.slots = slots;
        DType t = model.params().dtype();
        int c = cfg.dim(), hid = cfg.hidden(), layers = cfg.layers();
        kCache = new Tensor[layers];
        vCache = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            kCache[l] = be.zeros(t, slots, cfg.context(), c);
            vCache[l] = be.zeros(t, slots, cfg.context(), c);
        }
        pos = new int[slots];
        rowSlots = new int[slots];
        rowPositions = new int[slots];
        ids = new int[slots];
        Tensor fx = be.zeros(t, (long) slots * c),
                fln = be.zeros(t, (long) slots * c),
                fqkv = be.zeros(t, 3L * slots * c),
                fatt = be.zeros(t, (long) slots * c),
                fproj = be.zeros(t, (long) slots * c),
                ffc = be.zeros(t, (long) slots * hid),
                fgelu = be.zeros(t, (long) slots * hid),
                fmlp = be.zeros(t, (long) slots * c),
                fmean = be.zeros(t, slots),
                frstd = be.zeros(t, slots),
                flog = be.zeros(t, (long) slots * cfg.vocab());
        acts = new BlockActivations[slots + 1];
        x = new Tensor[slots + 1];
        ln = new Tensor[slots + 1];
        mean = new Tensor[slots + 1];
        rstd = new Tensor[slots + 1];
        logits = new Tensor[slots + 1];
        for (int n = 1; n <= slots; n++) {
            x[n] = be.view(fx, 0, n, c);
            ln[n] = be.view(fln, 0, n, c);
            mean[n] = be.view(fmean, 0, n);
            rstd[n] = be.view(frstd, 0, n);
            logits[n] = be.view(flog, 0, n, cfg.vocab());
            acts[n] = BlockActivations.forDecoding(
                    x[n],
                    ln[n],
                    mean[n],
                    rstd[n],
                    be.view(fqkv, 0, n, 3L * c),
                    be.view(fatt, 0, n, c),
                    be.view(fproj, 0, n, c),
                    be.view(ffc, 0, n, hid),
                    be.view(fgelu, 0, n, hid),
                    be.view(fmlp, 0, n, c));
        }
        logitsRow = new Tensor[slots];
        for (int i = 0; i < slots; i++) logitsRow[i] = be.view(flog, (long) i * cfg.vocab(), 1, cfg.vocab());
        weights = new BlockWeights[layers];
        copiedModes = new int[model.inRankLayers()];
        hView = new Tensor[slots + 1][model.inRankLayers()];
        for (int l = 0; l < layers; l++) copyBlock(l);
        wte = model.params().value("wte");
        wpe = model.params().value("wpe");
        lnfWeight = model.params().value("ln_f.weight");
        lnfBias = model.params().value("ln_f.bias");
    }

    /**
     * Inference copies of block l at the model's active modes, and the hidden views their widths need. The scratch
     * grows, rarely, when a backend's copies are wider than any before (padding, or a rank that grew); then every
     * copied block's views are remade over the new one.
     */
    private void copyBlock(int l) {
        weights[l] = model.blockWeights(l).forInference(be);
        if (!cfg.lowRank()) return;
        copiedModes[2 * l] = model.activeModes(2 * l);
        copiedModes[2 * l + 1] = model.activeModes(2 * l + 1);
        if (cfg.cumulative()) return; // decoded dense (W_0 + A_kᵀ·Bt_k): no hidden views
        long need = (long) slots * Math.max(width(l, 0), width(l, 1));
        if (fh == null || need > fh.length()) {
            fh = be.zeros(model.params().dtype(), need);
            for (int b = 0; b < cfg.layers(); b++) if (weights[b] != null) hiddenViews(b);
        } else {
            hiddenViews(l);
        }
    }

    /** Modes of block b's inference factors, fc1 (which 0) or fc2 (which 1). */
    private int width(int b, int which) {
        return ((BlockWeights.Factored) (which == 0 ? weights[b].fc() : weights[b].out())).modes();
    }

    /** Block b's [n, modes] hidden views over the current scratch, for every row count n. */
    private void hiddenViews(int b) {
        for (int which = 0; which < 2; which++) {
            for (int m = 1; m <= slots; m++) hView[m][2 * b + which] = be.prefix(fh, m, width(b, which));
        }
    }

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
            if (pos[s] >= cfg.context())
                throw new IllegalStateException("slot " + s + ": context of " + cfg.context() + " tokens is full");
            if (tokens[i] < 0 || tokens[i] >= cfg.vocab())
                throw new IllegalArgumentException("token " + tokens[i] + " outside the vocabulary");
            rowSlots[i] = s;
            rowPositions[i] = pos[s];
        }
        blocks(tokens, 0, n);
        be.layerNormForward(x[n], lnfWeight, lnfBias, cfg.layerNormEps(), ln[n], mean[n], rstd[n]);
        be.matmul(ln[n], wte, logits[n], false, true, 1.0, 0.0);
        for (int i = 0; i < n; i++) pos[slotOf[i]]++;
        return logits[n];
    }

    /**
     * Feeds tokens[from, from + count) to one sequence at its next count positions in a single pass (count ≤ slots):
     * the rows share every weight read, as a step's sequences do, and attention stores all the rows' keys and values
     * before any row attends (each sees the ones before it). No logits: the prompt's last token goes through
     * {@link #step}, whose row predicts the first new token. Every row gets the arithmetic it would get alone, so the
     * cache holds the same bits as feeding the tokens one step each; a prompt of N tokens costs about N / slots weight
     * passes instead of N.
     */
    public void prefill(int slot, int[] tokens, int from, int count) {
        if (count < 1 || count > slots) throw new IllegalArgumentException("count must be in 1.." + slots);
        if (pos[slot] + count > cfg.context()) {
            throw new IllegalStateException(
                    "slot " + slot + ": " + count + " tokens do not fit the context of " + cfg.context());
        }
        for (int i = 0; i < count; i++) {
            int t = tokens[from + i];
            if (t < 0 || t >= cfg.vocab()) throw new IllegalArgumentException("token " + t + " outside the vocabulary");
            rowSlots[i] = slot;
            rowPositions[i] = pos[slot] + i;
        }
        blocks(tokens, from, count);
        pos[slot] += count;
    }

    /** Embeddings of tokens[from, from + n) at rowPositions, then every block over the n rows. */
    private void blocks(int[] tokens, int from, int n) {
        int[] ids = tokens;
        if (from != 0) {
            ids = this.ids;
            System.arraycopy(tokens, from, ids, 0, n);
        }
        be.embeddingRows(ids, rowPositions, n, wte, wpe, x[n]);
        rows = n;
        for (int l = 0; l < cfg.layers(); l++) {
            if (cfg.lowRank()
                    && (copiedModes[2 * l] != model.activeModes(2 * l)
                            || copiedModes[2 * l + 1] != model.activeModes(2 * l + 1))) {
                copyBlock(l);
            }
            BlockActivations a = acts[n];
            if (cfg.lowRank() && !cfg.cumulative()) a.setHidden(hView[n][2 * l], hView[n][2 * l + 1]);
            TransformerBlock.forward(be, cfg, l, weights[l], a, attention, 0.0, null);
        }
    }

    /** Decoding attention: each row's k and v into its slot's cache, then its q over that sequence. */
    private void attend(int layer, Tensor qkv, Tensor att, Tensor lse) {
        be.attendCached(
                qkv,
                kCache[layer],
                vCache[layer],
                rowSlots,
                rowPositions,
                rows,
                cfg.heads(),
                model.attentionScale(layer),
                att);
    }

    /** Row i of the last step's logits, [1, V]. */
    public Tensor row(int i) {
        return logitsRow[i];
    }
}
