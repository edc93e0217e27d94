// Causal attention, one query row (forward, dQ) or one key row (dK, dV) at a time, as __host__ __device__ functions:
// the attention kernels run one thread per row on them, and the CPU build runs them in a host probe against the Java
// reference (DeviceMathTest), so the math is checked without a GPU. Probabilities are recomputed from the forward's
// log-sum-exp, so nothing of size [T, T] is stored, and dK/dV are gathered per key row: no atomics, fixed order.
//
// qkv [B·T, 3C]: q | k | v, head h at columns h·D … h·D + D − 1 of each third (D = C / H); y, dy [B·T, C];
// lse [B, H, T]. Dropout on the probabilities uses DropoutKey's element index ((b·H + h)·T + i)·T + j.

#define ATTN_MAX_HEAD_DIM 128

struct AttnShape {
    int B, T, H, C;
    float scale;       // usually 1/√D
    u64 seed, step;    // the dropout key (DropoutKey)
    u32 tensor;
    u32 block0;        // DropoutKey.first / 4: this batch's first element in the global batch, in Philox blocks
    u64 threshold;     // 0: no dropout
    float keep_scale;  // 1 / (1 − p)
};

INRANK_HD float attn_mask(const AttnShape& s, int b, int h, int i, int j) {
    if (s.threshold == 0ull) return 1.0f;
    const u64 e = (((u64)(b * s.H + h) * (u64)s.T + (u64)i) * (u64)s.T) + (u64)j;
    const Words4 w = dropout_words((e >> 2) + s.block0, s.tensor, s.step, s.seed);
    return dropout_kept(w.w[e & 3ull], s.threshold) ? s.keep_scale : 0.0f;
}

INRANK_HD const float* attn_q(const float* qkv, const AttnShape& s, int b, int t, int h) {
    return qkv + ((long long)b * s.T + t) * 3 * s.C + (long long)h * (s.C / s.H);
}

INRANK_HD float attn_dot(const float* a, const float* b, int d) {
    float acc = 0.0f;
    for (int x = 0; x < d; x++) acc += a[x] * b[x];
    return acc;
}

// y[b, i, head h] and lse[b, h, i] for query row i: two passes over keys 0..i (max/sum, then the weighted values).
INRANK_HD void attn_forward_row(const float* qkv, float* y, float* lse, const AttnShape& s, int b, int h, int i) {
    const int D = s.C / s.H;
    const float* q = attn_q(qkv, s, b, i, h);
    float m = -3.402823466e38f, l = 0.0f;
    for (int j = 0; j <= i; j++) {
        const float sc = attn_dot(q, attn_q(qkv, s, b, j, h) + s.C, D) * s.scale;
        if (sc > m) {
            l = l * expf(m - sc) + 1.0f;
            m = sc;
        } else {
            l += expf(sc - m);
        }
    }
    const float L = m + logf(l);
    float acc[ATTN_MAX_HEAD_DIM];
    for (int x = 0; x < D; x++) acc[x] = 0.0f;
    for (int j = 0; j <= i; j++) {
        const float* k = attn_q(qkv, s, b, j, h) + s.C;
        const float p = expf(attn_dot(q, k, D) * s.scale - L) * attn_mask(s, b, h, i, j);
        const float* v = k + s.C;
        for (int x = 0; x < D; x++) acc[x] += p * v[x];
    }
    float* yr = y + ((long long)b * s.T + i) * s.C + (long long)h * D;
    for (int x = 0; x < D; x++) yr[x] = acc[x];
    lse[((long long)b * s.H + h) * s.T + i] = L;
}

// Dᵢ = dyᵢ·yᵢ for head h: the row's Σⱼ Pᵢⱼ·dPᵢⱼ, which the softmax backward subtracts.
INRANK_HD float attn_row_delta(const float* dy, const float* y, const AttnShape& s, int b, int h, int i) {
    const long long off = ((long long)b * s.T + i) * s.C + (long long)h * (s.C / s.H);
    return attn_dot(dy + off, y + off, s.C / s.H);
}

// dq of query row i (written into dqkv's q third): scale·Σⱼ Pᵢⱼ(dPᵢⱼ − Dᵢ)·kⱼ, with dPᵢⱼ = maskᵢⱼ·(dyᵢ·vⱼ).
INRANK_HD void attn_backward_dq_row(const float* dy, const float* qkv, const float* y, const float* lse, float* dqkv,
                                    const AttnShape& s, int b, int h, int i) {
    const int D = s.C / s.H;
    const float* q = attn_q(qkv, s, b, i, h);
    const float* dyr = dy + ((long long)b * s.T + i) * s.C + (long long)h * D;
    const float L = lse[((long long)b * s.H + h) * s.T + i], Di = attn_row_delta(dy, y, s, b, h, i);
    float acc[ATTN_MAX_HEAD_DIM];
    for (int x = 0; x < D; x++) acc[x] = 0.0f;
    for (int j = 0; j <= i; j++) {
        const float* k = attn_q(qkv, s, b, j, h) + s.C;
        const float p = expf(attn_dot(q, k, D) * s.scale - L);
        const float dp = attn_mask(s, b, h, i, j) * attn_dot(dyr, k + s.C, D);
        const float ds = p * (dp - Di);
        for (int x = 0; x < D; x++) acc[x] += ds * k[x];
    }
    float* dq = dqkv + ((long long)b * s.T + i) * 3 * s.C + (long long)h * D;
    for (int x = 0; x < D; x++) dq[x] = acc[x] * s.scale;
}

// dk and dv of key row j (written into dqkv's k and v thirds), gathered over the query rows i = j … T − 1 that see it.
INRANK_HD void attn_backward_dkv_row(const float* dy, const float* qkv, const float* y, const float* lse, float* dqkv,
                                     const AttnShape& s, int b, int h, int j) {
    const int D = s.C / s.H;
    const float* k = attn_q(qkv, s, b, j, h) + s.C;
    const float* v = k + s.C;
    float dk[ATTN_MAX_HEAD_DIM], dv[ATTN_MAX_HEAD_DIM];
    for (int x = 0; x < D; x++) dk[x] = dv[x] = 0.0f;
    for (int i = j; i < s.T; i++) {
        const float* q = attn_q(qkv, s, b, i, h);
        const float* dyr = dy + ((long long)b * s.T + i) * s.C + (long long)h * D;
        const float L = lse[((long long)b * s.H + h) * s.T + i], Di = attn_row_delta(dy, y, s, b, h, i);
        const float p = expf(attn_dot(q, k, D) * s.scale - L), mk = attn_mask(s, b, h, i, j);
        const float ds = p * (mk * attn_dot(dyr, v, D) - Di);
        for (int x = 0; x < D; x++) {
            dv[x] += p * mk * dyr[x];
            dk[x] += ds * q[x];
        }
    }
    float* dkr = dqkv + ((long long)b * s.T + j) * 3 * s.C + s.C + (long long)h * D;
    for (int x = 0; x < D; x++) {
        dkr[x] = dk[x] * s.scale;
        dkr[s.C + x] = dv[x];
    }
}
