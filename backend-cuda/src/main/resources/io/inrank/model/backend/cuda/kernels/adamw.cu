// AdamW over the flat parameter buffer, fused with global-norm clipping (the clip folds into AdamParams.grad_scale),
// and the gradient norm itself as a two-pass reduction in a fixed order (deterministic).

// One AdamW step on elements [from, to) of one segment (one weight-decay setting; the host launches once per
// segment). params, grads, m, v [total]. decay = 1 − lr·wd for decayed segments, else 1.
// block = 256, grid = ⌈(to − from) / 256⌉ (grid-stride).
extern "C" __global__ void adamw_step(float* __restrict__ params, const float* __restrict__ grads,
                                      float* __restrict__ m, float* __restrict__ v, long long from, long long to,
                                      float decay, AdamParams a) {
    for (long long i = from + blockIdx.x * (long long)blockDim.x + threadIdx.x; i < to;
         i += (long long)gridDim.x * blockDim.x)
        adamw_element(params + i, m + i, v + i, grads[i], decay, a);
}

// Pass 1 of ‖g‖²: block b sums the squares of its grid-stride share into partials[b].
// grads [n]; partials [gridDim.x]. block = 256 (a multiple of 32), grid = the number of partials (e.g. 2 × SMs).
extern "C" __global__ void grad_norm_partials(const float* __restrict__ grads, long long n,
                                              float* __restrict__ partials) {
    __shared__ float scratch[32];
    float s = 0.0f;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        s += grads[i] * grads[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// Pass 2: out[0] = Σ partials, in order, by one block. partials [count]; out [1]. block = 256, grid = 1.
extern "C" __global__ void sum_partials(const float* __restrict__ partials, int count, float* __restrict__ out) {
    __shared__ float scratch[32];
    float s = 0.0f;
    for (int i = (int)threadIdx.x; i < count; i += (int)blockDim.x) s += partials[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[0] = s;
}
