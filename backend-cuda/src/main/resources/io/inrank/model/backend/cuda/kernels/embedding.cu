// Token + position embeddings (float32). The backward is deterministic without atomics: positions reduce over the
// batch in order, and tokens through host-built buckets (EmbeddingBuckets: each distinct token with its rows, in
// order), so every dwte row is summed by one thread per column in a fixed order.

// x[row] = wte[ids[row]] + wpe[row % seq]. ids [n]; wte [V, C]; wpe [ctx, C]; x [n, C].
// block = 256, grid = ⌈n·C / 256⌉ (grid-stride).
extern "C" __global__ void embedding_forward(const int* __restrict__ ids, const float* __restrict__ wte,
                                             const float* __restrict__ wpe, float* __restrict__ x, int n, int seq,
                                             int C) {
    const long long total = (long long)n * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const int row = (int)(i / C), c = (int)(i % C);
        x[i] = wte[(long long)ids[row] * C + c] + wpe[(long long)(row % seq) * C + c];
    }
}

// dwpe[t] += Σ_b dx[b·seq + t], batches in order. dx [batch·seq, C]; dwpe [ctx, C].
// block = 256, grid = ⌈seq·C / 256⌉ (grid-stride).
extern "C" __global__ void embedding_backward_positions(const float* __restrict__ dx, float* __restrict__ dwpe,
                                                        int batch, int seq, int C) {
    const long long total = (long long)seq * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const int t = (int)(i / C), c = (int)(i % C);
        float s = 0.0f;
        for (int b = 0; b < batch; b++) s += dx[((long long)b * seq + t) * C + c];
        dwpe[i] += s;
    }
}

// dwte[tokens[u]] += Σ_{j in offsets[u] .. offsets[u+1]} dx[rows[j]], rows in order.
// tokens [U]; offsets [U + 1]; rows [n]; dx [n, C]; dwte [V, C]. block = 256 over columns, grid = (⌈C / 256⌉, U).
extern "C" __global__ void embedding_backward_tokens(const float* __restrict__ dx, const int* __restrict__ tokens,
                                                     const int* __restrict__ offsets, const int* __restrict__ rows,
                                                     float* __restrict__ dwte, int C) {
    const int c = (int)(blockIdx.x * blockDim.x + threadIdx.x), u = (int)blockIdx.y;
    if (c >= C) return;
    float s = 0.0f;
    for (int j = offsets[u]; j < offsets[u + 1]; j++) s += dx[(long long)rows[j] * C + c];
    dwte[(long long)tokens[u] * C + c] += s;
}

// Decoding: x[i] = wte[tokens[i]] + wpe[positions[i]] for i < n. tokens, positions [n]; x [≥ n, C].
// block = 256, grid = ⌈n·C / 256⌉ (grid-stride).
extern "C" __global__ void embedding_rows(const int* __restrict__ tokens, const int* __restrict__ positions,
                                          const float* __restrict__ wte, const float* __restrict__ wpe,
                                          float* __restrict__ x, int n, int C) {
    const long long total = (long long)n * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const int row = (int)(i / C), c = (int)(i % C);
        x[i] = wte[(long long)tokens[row] * C + c] + wpe[(long long)positions[row] * C + c];
    }
}
