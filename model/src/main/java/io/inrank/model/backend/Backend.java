package io.inrank.model.backend;

import java.util.List;

/**
 * The narrow seam between the model and the compute library. Layers allocate buffers and call kernels only through
 * this interface, so a second backend (planned: CUDA 13 through JavaCPP — cuBLAS GEMMs, NVRTC kernels) can replace
 * {@link io.inrank.model.backend.nd4j.Nd4jBackend} without touching the model code. Kernels come in forward/backward
 * pairs; outputs are preallocated; gradients named {@code d…} accumulate unless a method says "overwritten".
 */
public interface Backend {

    // ---- memory ----
    Tensor zeros(DType t, long... shape);

    Tensor ones(DType t, long... shape);

    /** A contiguous range of a flat tensor, reshaped (shares memory). */
    Tensor view(Tensor flat, long offset, long... shape);

    /** The first k rows of a matrix (shares memory, contiguous). */
    Tensor rows(Tensor m, int k);

    /** The first rows·cols elements of a flat tensor as a [rows, cols] matrix (shares memory). */
    Tensor prefix(Tensor flat, long rows, long cols);

    /** Row i of a matrix as a [1, cols] matrix (shares memory). */
    Tensor row(Tensor m, long i);

    void fill(Tensor t, double v);

    void copy(Tensor src, Tensor dst);

    /** dst += src */
    void addInPlace(Tensor dst, Tensor src);

    void scale(Tensor t, double s);

    double norm2(Tensor t);

    double get(Tensor t, long i);

    void set(Tensor t, long i, double v);

    /** Host copy (checkpoints, sampling, tests). */
    double[] toHost(Tensor t);

    void fromHost(Tensor t, double[] values);

    /** Host copy into an existing array (per-token decoding). */
    void toHost(Tensor t, double[] out);

    /** x[0] = wte[token] + wpe[pos] (one decoding position). */
    void embeddingAt(int token, int pos, Tensor wte, Tensor wpe, Tensor x);

    /** Host copy in float32 (checkpoints of float models without doubling the memory). */
    float[] toHostF32(Tensor t);

    void fromHostF32(Tensor t, float[] values);

    // ---- kernels ----
    /** c = α·op(a)·op(b) + β·c */
    void matmul(Tensor a, Tensor b, Tensor c, boolean transA, boolean transB, double alpha, double beta);

    void embeddingForward(int[] ids, int seq, Tensor wte, Tensor wpe, Tensor x);

    void embeddingBackward(Tensor dx, int[] ids, int seq, Tensor dwte, Tensor dwpe);

    void layerNormForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd);

    /** dx overwritten. */
    void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dgamma, Tensor dbeta);

    void linearForward(Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * Runs body(i) for every i in [0, n), possibly several at once on the backend's compute threads (a decode step's
     * per-sequence attention and sampling). Bodies must be independent of each other; all are done on return.
     */
    void forEachRow(int n, java.util.function.IntConsumer body);

    /** y = x·wTᵀ + b with the weight stored transposed, wT [out, in] (decoding: every product a row-dot-product). */
    void linearForwardT(Tensor x, Tensor wT, Tensor b, Tensor y);

    /** A new contiguous [cols, rows] copy of a 2-D tensor. */
    Tensor transposedCopy(Tensor m);

    /** dx overwritten (may be null); ones is a [1, N] row of ones. */
    void linearBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, Tensor ones);

    void inRankForward(Tensor x, Tensor aK, Tensor btK, Tensor b, Tensor h, Tensor y);

    /** {@link #inRankForward} with the second factor stored transposed: bK = Bt_kᵀ, [out, k]. */
    void inRankForwardT(Tensor x, Tensor aK, Tensor bK, Tensor b, Tensor h, Tensor y);

    void inRankBackward(Tensor dy, Tensor x, Tensor aK, Tensor btK, Tensor h, Tensor dh, Tensor dx, Tensor daK, Tensor dbtK,
                        Tensor db, Tensor ones);

    void geluForward(Tensor x, Tensor y, boolean tanh);

    /** dx overwritten. */
    void geluBackward(Tensor dy, Tensor x, Tensor dx, boolean tanh);

    /** Opaque per-shape scratch for attention. */
    Object attentionWorkspace(DType t, int batch, int heads, int seq, int headDim);

    /**
     * Causal attention; {@code prob} keeps the (undropped) probabilities for the backward. With {@code dropout} > 0
     * the probabilities are dropped with masks drawn from {@code seed}, which the backward regenerates.
     */
    void attentionForward(Tensor qkv, Tensor y, Tensor prob, Object workspace, double scale, double dropout, long seed);

    /** dqkv overwritten; dropout and seed as in the forward. */
    void attentionBackward(Tensor dy, Tensor qkv, Tensor prob, Tensor dqkv, Object workspace, double scale, double dropout, long seed);

    /**
     * One decoding position with a key/value cache: stores position {@code pos}'s k and v (from qkv [1, 3C]) in the
     * caches, then y [1, C] = its q's attention over positions 0..pos. The caches are [context, C] zeros made by the
     * caller and written only through this call: how positions are laid out inside them is the backend's business.
     */
    void attendCached(Tensor qkv, Tensor kCache, Tensor vCache, int pos, int heads, double scale, Tensor y);

    /** Mean loss; logits become probabilities. */
    double crossEntropyForward(Tensor logits, int[] targets);

    /** Probabilities become dlogits·dloss. */
    void crossEntropyBackward(Tensor probs, int[] targets, double dloss);

    void dropoutForward(Tensor x, Tensor mask, Tensor y, double p, java.util.SplittableRandom rng);

    void dropoutBackward(Tensor dy, Tensor mask, Tensor dx);

    /** A range of the flat parameter buffer with one weight-decay setting. */
    record Segment(long from, long to, boolean decay) {}

    /** One AdamW step (torch semantics) over flat buffers. */
    void adamw(Tensor values, Tensor grads, Tensor m, Tensor v, List<Segment> segments, double lr, double beta1,
               double beta2, double eps, double weightDecay, long step);

    // ---- linear algebra for InRank ----
    /** Singular values of A_kᵀ·Bt_k, descending, zero-padded to min(in, out) (thin QR + core SVD). */
    double[] singularValues(Tensor aK, Tensor btK);

    /** The balanced best rank-r approximation: new {A [r, in], Bt [r, out]} of A_kᵀ·Bt_k. */
    Tensor[] truncate(Tensor aK, Tensor btK, int r);
}
