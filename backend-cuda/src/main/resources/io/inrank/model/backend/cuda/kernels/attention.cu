// Causal multi-head attention with counter-RNG dropout, forward and backward, in two forms with one contract (lse
// [B, H, T] is the only state between the passes). The row kernels: one thread per (batch, head, row) on the row
// functions of attention_rows.cuh, checked on the CPU by the host probe (INRANK_CUDA_ATTENTION=rows). The GEMM form
// below them (the default): scores and products on cuBLAS tensor cores, softmax and its backward in row kernels.

// y [B·T, C] and lse [B, H, T] from qkv [B·T, 3C]. block = 128, grid = ⌈B·H·T / 128⌉ (thread = (b, h, i)).
extern "C" __global__ void attention_forward(const float* __restrict__ qkv, float* __restrict__ y,
                                             float* __restrict__ lse, AttnShape s) {
    const long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (r >= (long long)s.B * s.H * s.T) return;
    const int i = (int)(r % s.T), h = (int)((r / s.T) % s.H), b = (int)(r / ((long long)s.T * s.H));
    attn_forward_row(qkv, y, lse, s, b, h, i);
}

// dq third of dqkv [B·T, 3C] from dy, y [B·T, C], lse [B, H, T]. block = 128, grid = ⌈B·H·T / 128⌉.
extern "C" __global__ void attention_backward_dq(const float* __restrict__ dy, const float* __restrict__ qkv,
                                                 const float* __restrict__ y, const float* __restrict__ lse,
                                                 float* __restrict__ dqkv, AttnShape s) {
    const long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (r >= (long long)s.B * s.H * s.T) return;
    const int i = (int)(r % s.T), h = (int)((r / s.T) % s.H), b = (int)(r / ((long long)s.T * s.H));
    attn_backward_dq_row(dy, qkv, y, lse, dqkv, s, b, h, i);
}

// dk and dv thirds of dqkv [B·T, 3C] (thread = key row j). block = 128, grid = ⌈B·H·T / 128⌉.
extern "C" __global__ void attention_backward_dkv(const float* __restrict__ dy, const float* __restrict__ qkv,
                                                  const float* __restrict__ y, const float* __restrict__ lse,
                                                  float* __restrict__ dqkv, AttnShape s) {
    const long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (r >= (long long)s.B * s.H * s.T) return;
    const int j = (int)(r % s.T), h = (int)((r / s.T) % s.H), b = (int)(r / ((long long)s.T * s.H));
    attn_backward_dkv_row(dy, qkv, y, lse, dqkv, s, b, h, j);
}

// ---- attention on cuBLAS GEMMs (the default): per batch b, S = q·kᵀ for all heads by one strided-batched GEMM into
// a workspace [H, T, T], these row kernels turn it into (dropped) probabilities, and y = P·v is one more GEMM; the
// backward recomputes S and takes dP = dy·vᵀ the same way. Only lse [B, H, T] is kept between the passes. ----

// In place: s [H, T, T] (q·kᵀ of batch b, unscaled) → P ⊙ mask (dropped, keep-scaled, zero above the diagonal);
// lse [B, H, T] gets each row's log-sum-exp of its scaled causal scores. block = 256, grid = H·T (block = row (h, i)).
extern "C" __global__ void attention_softmax_rows(float* __restrict__ s, float* __restrict__ lse, AttnShape sh,
                                                  int b) {
    __shared__ float scratch[32];
    const int row = (int)blockIdx.x, h = row / sh.T, i = row % sh.T;
    float* sr = s + (long long)row * sh.T;
    float mx = -3.402823466e38f;
    for (int j = (int)threadIdx.x; j <= i; j += (int)blockDim.x) mx = fmaxf(mx, sr[j] * sh.scale);
    mx = block_max(mx, scratch);
    float sum = 0.0f;
    for (int j = (int)threadIdx.x; j <= i; j += (int)blockDim.x) sum += expf(sr[j] * sh.scale - mx);
    sum = block_sum(sum, scratch);
    const float l = mx + logf(sum);
    __syncthreads();  // every thread has read its scores before any row entry is overwritten
    for (int j = (int)threadIdx.x; j < sh.T; j += (int)blockDim.x)
        sr[j] = j <= i ? expf(sr[j] * sh.scale - l) * attn_mask(sh, b, h, i, j) : 0.0f;
    if (threadIdx.x == 0) lse[((long long)b * sh.H + h) * sh.T + i] = l;
}

// Backward rows of batch b, in place: ws_p [H, T, T] holds S = q·kᵀ and becomes Pd = P ⊙ mask (for dv = Pdᵀ·dy);
// ws_d [H, T, T] holds dPd = dy·vᵀ and becomes dS = P ⊙ (mask ⊙ dPd − Σ_j Pd·dPd), with P = exp(S·scale − lse)
// on the causal part (zeros above the diagonal). lse [B, H, T]. block = 256, grid = H·T (block = row (h, i)).
extern "C" __global__ void attention_softmax_backward_rows(float* __restrict__ ws_p, float* __restrict__ ws_d,
                                                           const float* __restrict__ lse, AttnShape sh, int b) {
    __shared__ float scratch[32];
    const int row = (int)blockIdx.x, h = row / sh.T, i = row % sh.T;
    float* pr = ws_p + (long long)row * sh.T;
    float* dr = ws_d + (long long)row * sh.T;
    const float l = lse[((long long)b * sh.H + h) * sh.T + i];
    float d = 0.0f;
    for (int j = (int)threadIdx.x; j <= i; j += (int)blockDim.x)
        d += expf(pr[j] * sh.scale - l) * attn_mask(sh, b, h, i, j) * dr[j];
    d = block_sum(d, scratch);
    for (int j = (int)threadIdx.x; j < sh.T; j += (int)blockDim.x) {
        float pd = 0.0f, ds = 0.0f;
        if (j <= i) {
            const float p = expf(pr[j] * sh.scale - l), m = attn_mask(sh, b, h, i, j);
            pd = p * m;
            ds = p * (m * dr[j] - d);
        }
        pr[j] = pd;
        dr[j] = ds;
    }
}
