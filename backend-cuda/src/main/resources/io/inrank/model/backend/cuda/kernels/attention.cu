// Causal multi-head attention with counter-RNG dropout, forward and backward, one thread per (batch, head, row) on
// the row functions of attention_rows.cuh. This is the correct-first version the tiled (flash) kernels will be
// checked against on a GPU; it keeps the same contract: lse [B, H, T] is the only state between the passes.

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
