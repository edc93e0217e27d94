package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;

/**
 * One transformer block's activations over n rows. Training keeps one set per block (the backward reads them);
 * a decoder keeps one per row count and aliases what decoding overwrites (in = res1 = out: the residual stream is
 * updated in place). Shapes: n rows, C model width, B·H·T for the attention's log-sum-exp rows, k active modes.
 */
public final class BlockActivations {
    public final Tensor in; // [n, C]  the block's input (residual stream)
    public final Tensor ln1; // [n, C]  ln_1(in)
    public final Tensor ln1Mean; // [n]
    public final Tensor ln1Rstd; // [n]
    public final Tensor qkv; // [n, 3C] c_attn(ln1): q | k | v
    public final Tensor att; // [n, C]  attention output, before c_proj
    public final Tensor lse; // [B, H, T] attention log-sum-exp per query row (training; null when decoding)
    public final Tensor proj; // [n, C]  c_proj(att)
    public final Tensor res1; // [n, C]  in + dropout(proj)
    public final Tensor ln2; // [n, C]  ln_2(res1)
    public final Tensor ln2Mean; // [n]
    public final Tensor ln2Rstd; // [n]
    public final Tensor fc; // [n, 4C] the MLP's first linear (before GELU)
    public final Tensor gelu; // [n, 4C]
    public final Tensor mlp; // [n, C]  the MLP's output
    public final Tensor out; // [n, C]  res1 + dropout(mlp): the next block's input
    /** [n, k] x·A_kᵀ of each InRank linear (kept for the backward); views, remade when k changes. Null when dense. */
    Tensor fcH, outH;

    BlockActivations(
            Tensor in,
            Tensor ln1,
            Tensor ln1Mean,
            Tensor ln1Rstd,
            Tensor qkv,
            Tensor att,
            Tensor lse,
            Tensor proj,
            Tensor res1,
            Tensor ln2,
            Tensor ln2Mean,
            Tensor ln2Rstd,
            Tensor fc,
            Tensor gelu,
            Tensor mlp,
            Tensor out) {
        this.in = in;
        this.ln1 = ln1;
        this.ln1Mean = ln1Mean;
        this.ln1Rstd = ln1Rstd;
        this.qkv = qkv;
        this.att = att;
        this.lse = lse;
        this.proj = proj;
        this.res1 = res1;
        this.ln2 = ln2;
        this.ln2Mean = ln2Mean;
        this.ln2Rstd = ln2Rstd;
        this.fc = fc;
        this.gelu = gelu;
        this.mlp = mlp;
        this.out = out;
    }

    /** A training block's own buffers; {@code in} is the previous block's {@code out} (or the embeddings). */
    static BlockActivations forTraining(Backend be, DType t, GptConfig cfg, int batch, int seq, Tensor in) {
        long n = (long) batch * seq, c = cfg.dim(), hid = cfg.hidden();
        return new BlockActivations(
                in,
                be.zeros(t, n, c),
                be.zeros(t, n),
                be.zeros(t, n),
                be.zeros(t, n, 3 * c),
                be.zeros(t, n, c),
                be.zeros(t, batch, cfg.heads(), seq),
                be.zeros(t, n, c),
                be.zeros(t, n, c),
                be.zeros(t, n, c),
                be.zeros(t, n),
                be.zeros(t, n),
                be.zeros(t, n, hid),
                be.zeros(t, n, hid),
                be.zeros(t, n, c),
                be.zeros(t, n, c));
    }

    /**
     * Decoding's set for n rows: views of the first n rows of shared step buffers, in = res1 = out = x (updated in
     * place), one layer-norm output for both norms, no log-sum-exp.
     */
    public static BlockActivations forDecoding(
            Tensor x,
            Tensor ln,
            Tensor mean,
            Tensor rstd,
            Tensor qkv,
            Tensor att,
            Tensor proj,
            Tensor fc,
            Tensor gelu,
            Tensor mlp) {
        return new BlockActivations(x, ln, mean, rstd, qkv, att, null, proj, x, ln, mean, rstd, fc, gelu, mlp, x);
    }

    /** Points the InRank linears' hidden outputs at [n, modes] views (decoders: per layer, as the modes differ). */
    public void setHidden(Tensor fcH, Tensor outH) {
        this.fcH = fcH;
        this.outH = outH;
    }

    public Tensor fcH() {
        return fcH;
    }

    public Tensor outH() {
        return outH;
    }
}
