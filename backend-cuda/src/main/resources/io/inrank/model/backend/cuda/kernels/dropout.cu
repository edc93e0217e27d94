// Dropout with the counter-based masks of DropoutKey: each thread draws one Philox block and handles the four elements
// it covers, so no mask is stored and the backward regenerates it. scale = 1 / (1 − p). block0 = DropoutKey.first / 4:
// a data-parallel replica's tensor keyed as its slice of the whole batch.

// y = x ⊙ mask·scale. x, y [n] (may alias). block = 256, grid = ⌈⌈n / 4⌉ / 256⌉ (grid-stride over 4-element blocks).
extern "C" __global__ void dropout_forward(const float* x, float* y, long long n, u64 seed, u64 step, u32 tensor,
                                           u32 block0, u64 threshold, float scale) {
    const long long blocks = (n + 3) >> 2;
    for (long long b = blockIdx.x * (long long)blockDim.x + threadIdx.x; b < blocks;
         b += (long long)gridDim.x * blockDim.x) {
        const Words4 w = dropout_words((u64)b + block0, tensor, step, seed);
        for (int j = 0; j < 4; j++) {
            const long long e = 4 * b + j;
            if (e < n) y[e] = dropout_kept(w.w[j], threshold) ? x[e] * scale : 0.0f;
        }
    }
}

// out = residual + branch ⊙ mask·scale (out may alias residual). residual, branch, out [n].
// block = 256, grid = ⌈⌈n / 4⌉ / 256⌉ (grid-stride).
extern "C" __global__ void residual_dropout_forward(const float* residual, const float* __restrict__ branch,
                                                    float* out, long long n, u64 seed, u64 step, u32 tensor,
                                                    u32 block0, u64 threshold, float scale) {
    const long long blocks = (n + 3) >> 2;
    for (long long b = blockIdx.x * (long long)blockDim.x + threadIdx.x; b < blocks;
         b += (long long)gridDim.x * blockDim.x) {
        const Words4 w = dropout_words((u64)b + block0, tensor, step, seed);
        for (int j = 0; j < 4; j++) {
            const long long e = 4 * b + j;
            if (e < n) out[e] = residual[e] + (dropout_kept(w.w[j], threshold) ? branch[e] * scale : 0.0f);
        }
    }
}

// The backward is the same product with the regenerated mask: dx = dy ⊙ mask·scale, i.e. dropout_forward(dy, dx).
