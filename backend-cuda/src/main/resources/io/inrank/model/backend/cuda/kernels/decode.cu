// Decoding with key/value caches (float32), the Backend's attendCached: first every new row's k and v go into its
// sequence's cache slot, then each (row, head) attends over its sequence's positions 0..pos in one thread, with the
// same two-pass arithmetic whether the row is alone or in a batch (a prefill chunk sees itself causally).
//
// Caches [slots, ctx, C], position-major per slot; qkv [n, 3C] (q | k | v); y [n, C]; slots, positions [n].

// kCache[slot, pos] = k of row i; vCache likewise. block = 256, grid = ⌈n·C / 256⌉ (grid-stride).
extern "C" __global__ void kv_store(const float* __restrict__ qkv, float* __restrict__ k_cache,
                                    float* __restrict__ v_cache, const int* __restrict__ slots,
                                    const int* __restrict__ positions, int n, int ctx, int C) {
    const long long total = (long long)n * C;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const int i = (int)(e / C), c = (int)(e % C);
        const long long at = ((long long)slots[i] * ctx + positions[i]) * C + c;
        k_cache[at] = qkv[(long long)i * 3 * C + C + c];
        v_cache[at] = qkv[(long long)i * 3 * C + 2 * C + c];
    }
}

// y[i, head h] = softmax(q·Kᵀ·scale over positions 0..pos) · V, one thread per (i, h); head width D ≤ 128.
// block = 128, grid = ⌈n·H / 128⌉.
extern "C" __global__ void attend_cached(const float* __restrict__ qkv, const float* __restrict__ k_cache,
                                         const float* __restrict__ v_cache, const int* __restrict__ slots,
                                         const int* __restrict__ positions, float* __restrict__ y, int n, int ctx,
                                         int C, int H, float scale) {
    const int r = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    if (r >= n * H) return;
    const int i = r / H, h = r % H, D = C / H;
    const float* q = qkv + (long long)i * 3 * C + (long long)h * D;
    const long long base = (long long)slots[i] * ctx * C + (long long)h * D;
    const int last = positions[i];
    float mx = -3.402823466e38f;
    for (int j = 0; j <= last; j++) {
        const float* kj = k_cache + base + (long long)j * C;
        float s = 0.0f;
        for (int d = 0; d < D; d++) s += q[d] * kj[d];
        mx = fmaxf(mx, s * scale);
    }
    float acc[ATTN_MAX_HEAD_DIM];
    for (int d = 0; d < D; d++) acc[d] = 0.0f;
    float sum = 0.0f;
    for (int j = 0; j <= last; j++) {
        const float* kj = k_cache + base + (long long)j * C;
        const float* vj = v_cache + base + (long long)j * C;
        float s = 0.0f;
        for (int d = 0; d < D; d++) s += q[d] * kj[d];
        const float p = expf(s * scale - mx);
        sum += p;
        for (int d = 0; d < D; d++) acc[d] += p * vj[d];
    }
    float* yr = y + (long long)i * C + (long long)h * D;
    const float inv = 1.0f / sum;
    for (int d = 0; d < D; d++) yr[d] = acc[d] * inv;
}
