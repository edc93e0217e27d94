// Scalar math every kernel family shares, as __host__ __device__ functions: the kernels call exactly these, and the
// CPU build compiles them into a host probe (src/test/cuda/device_math_probe.cu) that DeviceMathTest compares with the
// Java reference, so the device arithmetic is checked without a GPU.
//
// No CUDA headers: NVRTC ships none for bf16/fp16 and GPU runtime images carry no toolkit. KernelSources prepends this
// file to each family's source, so NVRTC needs no include path either.

#define INRANK_HD __host__ __device__ __forceinline__

typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned short bf16;

// ---- Philox-4x32-10 (Salmon et al., SC'11), the same function as model's Philox.java ----
struct Words4 {
    u32 w[4];
};

INRANK_HD Words4 philox4x32_10(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {  // Weyl key schedule between rounds
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const u64 p0 = (u64)0xD2511F53u * c0, p1 = (u64)0xCD9E8D57u * c2;
        const u32 hi0 = (u32)(p0 >> 32), lo0 = (u32)p0, hi1 = (u32)(p1 >> 32), lo1 = (u32)p1;
        const u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    Words4 out = {{c0, c1, c2, c3}};
    return out;
}

// ---- dropout masks (DropoutKey.java): element e of tensor `tensor` at `step` of a run seeded `seed` ----
// counter = (e / 4, tensor, step lo, step hi), key = (seed lo, seed hi), word = Philox(...)[e % 4]; dropped iff the
// word (unsigned) < threshold = round(p * 2^32). Integer comparison: no float rounding can change a mask.
INRANK_HD Words4 dropout_words(u64 block, u32 tensor, u64 step, u64 seed) {
    return philox4x32_10((u32)block, tensor, (u32)step, (u32)(step >> 32), (u32)seed, (u32)(seed >> 32));
}

INRANK_HD bool dropout_kept(u32 word, u64 threshold) {
    return (u64)word >= threshold;
}

// ---- GELU, exact x·Φ(x) and the tanh approximation, with their derivatives (float) ----
INRANK_HD float gelu_erf(float x) {
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

INRANK_HD float gelu_erf_grad(float x) {
    const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
    const float pdf = expf(-0.5f * x * x) * 0.39894228040143268f;  // 1/√(2π)
    return cdf + x * pdf;
}

INRANK_HD float gelu_tanh(float x) {
    const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);  // √(2/π)·(x + 0.044715·x³)
    return 0.5f * x * (1.0f + tanhf(u));
}

INRANK_HD float gelu_tanh_grad(float x) {
    const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    const float t = tanhf(u);
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * 0.79788456080286536f * (1.0f + 3.0f * 0.044715f * x * x);
}

// ---- bfloat16 by bit operations (round to nearest, ties to even; NaN stays NaN) ----
INRANK_HD float bf16_to_f32(bf16 h) {
    union {
        u32 u;
        float f;
    } v;
    v.u = ((u32)h) << 16;
    return v.f;
}

INRANK_HD bf16 f32_to_bf16(float f) {
    union {
        float f;
        u32 u;
    } v;
    v.f = f;
    const u32 u = v.u;
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu) != 0u) return (bf16)((u >> 16) | 0x0040u);
    const u32 rounding = 0x7FFFu + ((u >> 16) & 1u);
    return (bf16)((u + rounding) >> 16);
}

// ---- one AdamW element (torch semantics, decoupled decay before the step) ----
// one_minus_beta1/2 and the bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t are computed on the host in double and
// passed rounded once (computing 1 − (float)β in float is 4.7e-5 off for β2 = 0.999).
struct AdamParams {
    float lr, beta1, beta2, one_minus_beta1, one_minus_beta2, bc1, bc2, eps, grad_scale;
};

INRANK_HD void adamw_element(float* p, float* m, float* v, float grad, float decay, const AdamParams& a) {
    const float g = grad * a.grad_scale;  // global-norm clipping folded in as a scale
    const float mn = a.beta1 * *m + a.one_minus_beta1 * g;
    const float vn = a.beta2 * *v + a.one_minus_beta2 * g * g;
    *m = mn;
    *v = vn;
    const float m_hat = mn / a.bc1, v_hat = vn / a.bc2;
    *p = *p * decay - a.lr * m_hat / (sqrtf(v_hat) + a.eps);
}

// ---- warp reductions (device only): butterfly order, so every lane gets the same, deterministic sum ----
#ifdef __CUDA_ARCH__
__device__ __forceinline__ float warp_sum(float x) {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xFFFFFFFFu, x, o);
    return x;
}

__device__ __forceinline__ float warp_max(float x) {
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xFFFFFFFFu, x, o));
    return x;
}

// Whole-block reductions (blockDim.x a multiple of 32, at most 1024): warps first, then warp 0 over the warp results,
// always in the same order. `scratch` is __shared__ float[32]; every thread gets the result.
__device__ __forceinline__ float block_sum(float x, float* scratch) {
    const int lane = (int)(threadIdx.x & 31), warp = (int)(threadIdx.x >> 5), warps = (int)(blockDim.x >> 5);
    x = warp_sum(x);
    __syncthreads();  // scratch may still be read by a previous reduction
    if (lane == 0) scratch[warp] = x;
    __syncthreads();
    x = lane < warps ? scratch[lane] : 0.0f;
    return warp_sum(x);
}

__device__ __forceinline__ float block_max(float x, float* scratch) {
    const int lane = (int)(threadIdx.x & 31), warp = (int)(threadIdx.x >> 5), warps = (int)(blockDim.x >> 5);
    x = warp_max(x);
    __syncthreads();
    if (lane == 0) scratch[warp] = x;
    __syncthreads();
    x = lane < warps ? scratch[lane] : -3.402823466e38f;
    return warp_max(x);
}
#endif
