package io.inrank.model.backend;

import java.util.List;

/**
 * The seam between the model and a compute device. The model holds only {@link Tensor} handles and calls these
 * methods; a backend owns the memory (host or device) and the kernels. Implementations are chosen at run time by name
 * ({@link Backends#open}): {@code nd4j} (CPU, the default), {@code reference} (plain-Java float64 loops, the oracle
 * every backend is tested against), {@code cuda} (GPU, its own module).
 *
 * <p>Rules every method keeps, so that a device backend can implement it: outputs are preallocated by the caller;
 * gradients named {@code d…} accumulate unless a method says "overwritten"; host data crosses only through the
 * whole-tensor transfers below and the small host arrays of ids and positions; randomness comes only from
 * {@link DropoutKey}s (no host RNG objects), so every backend draws the same dropout masks; scratch memory is the
 * backend's own business (no workspace objects pass through here). Shapes in comments: n rows, C model width,
 * B batch, T sequence, H heads.
 */
public interface Backend {

    /** The name it is selected by ({@code --backend}). */
    String name();

    /** The most device memory its tensors have held at once, in bytes; -1 for host backends (benchmarks report it). */
    default long peakMemoryBytes() {
        return -1;
    }

    /** Whether tensors of this element type can be made (a GPU backend may hold float32 only). */
    default boolean supports(DType t) {
        return true;
    }

    // ---- memory ----
    Tensor zeros(DType t, long... shape);

    Tensor ones(DType t, long... shape);

    /** A contiguous range of a flat tensor, reshaped (shares memory). */
    Tensor view(Tensor flat, long offset, long... shape);

    /** The first k rows of a matrix (shares memory, contiguous). */
    Tensor rows(Tensor m, int k);

    /** The first rows·cols elements of a flat tensor as a [rows, cols] matrix (shares memory). */
    Tensor prefix(Tensor flat, long rows, long cols);

    void fill(Tensor t, double v);

    void copy(Tensor src, Tensor dst);

    /** dst += src */
    void addInPlace(Tensor dst, Tensor src);

    void scale(Tensor t, double s);

    /** ‖t‖₂ over all elements. */
    double norm2(Tensor t);

    // ---- host transfers (whole tensors, row-major) ----
    double[] toHost(Tensor t);

    /** Into an existing array of t's length (per-token decoding). */
    void toHost(Tensor t, double[] out);

    /** In float32 (checkpoints of float models without doubling the memory). */
    float[] toHostF32(Tensor t);

    void fromHost(Tensor t, double[] values);

    void fromHostF32(Tensor t, float[] values);

    // ---- kernels: forward/backward pairs ----
    /** c = α·op(a)·op(b) + β·c */
    void matmul(Tensor a, Tensor b, Tensor c, boolean transA, boolean transB, double alpha, double beta);

    /** x [B·T, C] = wte[ids] + wpe[position within its sequence of length seq]. */
    void embeddingForward(int[] ids, int seq, Tensor wte, Tensor wpe, Tensor x);

    /** Scatter-adds dx into the rows of dwte and dwpe. */
    void embeddingBackward(Tensor dx, int[] ids, int seq, Tensor dwte, Tensor dwpe);

    /** Decoding: x[i] = wte[tokens[i]] + wpe[positions[i]] for i < n (x has at least n rows). */
    void embeddingRows(int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, Tensor x);

    /** y = (x − mean)·rstd·γ + β per row; mean and rstd [n] kept for the backward. */
    void layerNormForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd);

    /** dx overwritten. */
    void layerNormBackward(
            Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dgamma, Tensor dbeta);

    /** y [n, out] = x [n, in]·w [in, out] + b; w may be an {@link #inferenceCopy}. */
    void linearForward(Tensor x, Tensor w, Tensor b, Tensor y);

    /** dx overwritten (may be null); ones is a [1, n] row of ones. */
    void linearBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, Tensor ones);

    /**
     * The InRank linear on its first k modes: h [n, k] = x·A_kᵀ, y [n, out] = h·Bt_k + b, with A_k [k, in] and
     * Bt_k [k, out]; the pair may come from {@link #inferenceFactors} (then h has the pair's width).
     */
    void inRankForward(Tensor x, Tensor aK, Tensor btK, Tensor b, Tensor h, Tensor y);

    /** dh (scratch, [n, k]) and dx overwritten (dx may be null); daK, dbtK, db accumulate. */
    void inRankBackward(
            Tensor dy,
            Tensor x,
            Tensor aK,
            Tensor btK,
            Tensor h,
            Tensor dh,
            Tensor dx,
            Tensor daK,
            Tensor dbtK,
            Tensor db,
            Tensor ones);

    /** Exact GELU x·Φ(x), or the tanh approximation. */
    void geluForward(Tensor x, Tensor y, boolean tanh);

    /** dx overwritten. */
    void geluBackward(Tensor dy, Tensor x, Tensor dx, boolean tanh);

    /**
     * Causal multi-head attention on the fused projection qkv [B·T, 3C] (q | k | v, heads contiguous in each): y [B·T, C]
     * = softmax(q·kᵀ·scale, causal) ⊙ dropout mask · v. Keeps only lse [B, H, T], each query row's log-sum-exp of its
     * scaled scores, for the backward, which recomputes the probabilities from it (state O(B·H·T), not [B, H, T, T]).
     * With dropout > 0 the probabilities are dropped with the mask of {@code key} over [B, H, T, T].
     */
    void attentionForward(
            Tensor qkv, Tensor y, Tensor lse, int batch, int heads, double scale, double dropout, DropoutKey key);

    /** dqkv overwritten; y and lse are the forward's outputs; dropout and key as in the forward. */
    void attentionBackward(
            Tensor dy,
            Tensor qkv,
            Tensor y,
            Tensor lse,
            Tensor dqkv,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key);

    /**
     * Decoding with key/value caches: for each row i &lt; n of qkv [·, 3C], stores its k and v at position
     * positions[i] of sequence slots[i], then y[i] [C] = its q's attention over that sequence's positions
     * 0..positions[i]. All rows are stored before any attends, so n consecutive positions of one sequence (a prefill
     * chunk) see each other causally. The caches are zeros [slots, context, C] made by the caller and written only
     * here: how positions are laid out inside them is the backend's business. Each row gets the same arithmetic alone
     * or among others.
     */
    void attendCached(
            Tensor qkv,
            Tensor kCache,
            Tensor vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            double scale,
            Tensor y);

    /** Mean cross-entropy of logits [n, V] against targets; the logits become probabilities. */
    double crossEntropyForward(Tensor logits, int[] targets);

    /** Probabilities [n, V] become the gradient of the mean loss times dloss: (p − onehot(target))·dloss / n. */
    void crossEntropyBackward(Tensor probs, int[] targets, double dloss);

    /** y = x ⊙ mask / (1 − p) with the mask of key ({@link DropoutKey}); p = 0 copies (key may then be null). */
    void dropoutForward(Tensor x, Tensor y, double p, DropoutKey key);

    /** out = residual + branch ⊙ mask / (1 − p): a residual connection with dropout on its branch; out may be residual. */
    void residualDropoutForward(Tensor residual, Tensor branch, Tensor out, double p, DropoutKey key);

    /** dx = dy ⊙ mask / (1 − p), the mask regenerated from key; dx overwritten and may be dy. */
    void dropoutBackward(Tensor dy, Tensor dx, double p, DropoutKey key);

    /** A range of the flat parameter buffer with one weight-decay setting. */
    record Segment(long from, long to, boolean decay) {}

    /** One AdamW step (torch semantics) over flat buffers, with the step's scalars as {@link AdamWStep} made them. */
    void adamw(Tensor values, Tensor grads, Tensor m, Tensor v, List<Segment> segments, AdamWStep s);

    // ---- linear algebra for InRank ----
    /** Singular values of A_kᵀ·Bt_k, descending, zero-padded to min(in, out). */
    double[] singularValues(Tensor aK, Tensor btK);

    /**
     * The balanced best rank-r approximation: new {A [r, in], Bt [r, out]} of A_kᵀ·Bt_k (A' = (Q_A·U_r·√S_r)ᵀ, Bt' =
     * (Q_B·V_r·√S_r)ᵀ), each mode signed so that the entry of largest magnitude in its A row is positive: factors, not
     * only their product, are the same on every backend.
     */
    Tensor[] truncate(Tensor aK, Tensor btK, int r);

    // ---- inference layouts ----
    /**
     * A snapshot of a weight w [in, out] for products of few rows (decoding), in a layout of the backend's choosing;
     * use it only as the weight of {@link #linearForward}. Later changes to w are not seen.
     */
    Tensor inferenceCopy(Tensor w);

    /**
     * A snapshot of InRank factors {A_k [k, in], Bt_k [k, out]} for {@link #inRankForward} in decoding; the copies may
     * carry extra all-zero modes (padding for the backend's kernels): size h by the first one's rows.
     */
    Tensor[] inferenceFactors(Tensor aK, Tensor btK);

    // ---- data parallelism ----

    /** Whether this backend has collectives ({@link #joinReplicas}): only then can a run have replicas. */
    default boolean collectives() {
        return false;
    }

    /**
     * A fresh id naming one group of replicas; replica 0 makes it and hands it to the others (the trainer's rendezvous).
     * Backends without collectives refuse: the CPU backends compute on one machine's cores, where replicas would only
     * split the same cores.
     */
    default byte[] newReplicaGroupId() {
        throw new UnsupportedOperationException(name() + " has no collectives: data parallelism (world size above 1)"
                + " needs a GPU backend (--backend cuda, NCCL)");
    }

    /** Joins group {@code id} as replica {@code rank} of {@code size}; returns once every replica has joined. */
    default ReplicaGroup joinReplicas(byte[] id, int size, int rank) {
        throw new UnsupportedOperationException(name() + " has no collectives: data parallelism (world size above 1)"
                + " needs a GPU backend (--backend cuda, NCCL)");
    }
}
