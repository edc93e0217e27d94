// LayerNorm over the last dimension C of n rows (float32): forward, backward for dx, and the parameter gradients as a
// two-pass column reduction in a fixed order (deterministic: no atomics).

// y = (x − mean)·rstd·γ + β, one warp per row; mean and rstd kept for the backward.
// x, y [n, C]; gamma, beta [C]; mean, rstd [n]. block = 32·W threads (W rows), grid = ⌈n / W⌉.
extern "C" __global__ void layernorm_forward(const float* __restrict__ x, const float* __restrict__ gamma,
                                             const float* __restrict__ beta, float* __restrict__ y,
                                             float* __restrict__ mean, float* __restrict__ rstd, int n, int C,
                                             float eps) {
    const int row = (int)((blockIdx.x * blockDim.x + threadIdx.x) >> 5), lane = (int)(threadIdx.x & 31);
    if (row >= n) return;
    const float* xr = x + (long long)row * C;
    float s = 0.0f;
    for (int i = lane; i < C; i += 32) s += xr[i];
    const float m = warp_sum(s) / (float)C;
    float q = 0.0f;
    for (int i = lane; i < C; i += 32) {
        const float d = xr[i] - m;
        q += d * d;
    }
    const float r = rsqrtf(warp_sum(q) / (float)C + eps);
    float* yr = y + (long long)row * C;
    for (int i = lane; i < C; i += 32) yr[i] = (xr[i] - m) * r * gamma[i] + beta[i];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// dx = rstd·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)), x̂ = (x − mean)·rstd; dx overwritten. One warp per row.
// dy, x, dx [n, C]; gamma [C]; mean, rstd [n]. block = 32·W, grid = ⌈n / W⌉.
extern "C" __global__ void layernorm_backward_dx(const float* __restrict__ dy, const float* __restrict__ x,
                                                 const float* __restrict__ gamma, const float* __restrict__ mean,
                                                 const float* __restrict__ rstd, float* __restrict__ dx, int n,
                                                 int C) {
    const int row = (int)((blockIdx.x * blockDim.x + threadIdx.x) >> 5), lane = (int)(threadIdx.x & 31);
    if (row >= n) return;
    const float* dyr = dy + (long long)row * C;
    const float* xr = x + (long long)row * C;
    const float m = mean[row], r = rstd[row];
    float a = 0.0f, b = 0.0f;
    for (int i = lane; i < C; i += 32) {
        const float g = gamma[i] * dyr[i];
        a += g;
        b += g * (xr[i] - m) * r;
    }
    a = warp_sum(a) / (float)C;
    b = warp_sum(b) / (float)C;
    float* dxr = dx + (long long)row * C;
    for (int i = lane; i < C; i += 32) dxr[i] = r * (gamma[i] * dyr[i] - a - (xr[i] - m) * r * b);
}

// Pass 1 of dγ = Σ_rows dy·x̂ and dβ = Σ_rows dy: chunk k of `rows_per_chunk` rows, one thread per column, rows in
// order. dy, x [n, C]; mean, rstd [n]; partial_gamma, partial_beta [chunks, C].
// block = 256 threads over columns, grid = (⌈C / 256⌉, chunks).
extern "C" __global__ void layernorm_param_partials(const float* __restrict__ dy, const float* __restrict__ x,
                                                    const float* __restrict__ mean, const float* __restrict__ rstd,
                                                    float* __restrict__ partial_gamma,
                                                    float* __restrict__ partial_beta, int n, int C,
                                                    int rows_per_chunk) {
    const int c = (int)(blockIdx.x * blockDim.x + threadIdx.x), k = (int)blockIdx.y;
    if (c >= C) return;
    const int from = k * rows_per_chunk, to = min(n, from + rows_per_chunk);
    float g = 0.0f, b = 0.0f;
    for (int row = from; row < to; row++) {
        const float d = dy[(long long)row * C + c];
        g += d * (x[(long long)row * C + c] - mean[row]) * rstd[row];
        b += d;
    }
    partial_gamma[(long long)k * C + c] = g;
    partial_beta[(long long)k * C + c] = b;
}

// Pass 2: dγ += Σ_k partial_gamma[k], dβ += Σ_k partial_beta[k], chunks in order (gradients accumulate).
// partial_* [chunks, C]; dgamma, dbeta [C]. block = 256, grid = ⌈C / 256⌉.
extern "C" __global__ void layernorm_param_reduce(const float* __restrict__ partial_gamma,
                                                  const float* __restrict__ partial_beta, float* __restrict__ dgamma,
                                                  float* __restrict__ dbeta, int chunks, int C) {
    const int c = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    if (c >= C) return;
    float g = 0.0f, b = 0.0f;
    for (int k = 0; k < chunks; k++) {
        g += partial_gamma[(long long)k * C + c];
        b += partial_beta[(long long)k * C + c];
    }
    dgamma[c] += g;
    dbeta[c] += b;
}
