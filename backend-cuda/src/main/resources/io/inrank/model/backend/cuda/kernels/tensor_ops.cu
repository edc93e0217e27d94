// Elementwise helpers of the Backend's memory operations (float32): fill, scale, accumulate, and the bias broadcast
// that starts a linear's output before its GEMM adds x·w (beta = 1).

// t[i] = v. t [n]. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void fill_f32(float* __restrict__ t, long long n, float v) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        t[i] = v;
}

// t[i] *= s. t [n]. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void scale_f32(float* __restrict__ t, long long n, float s) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        t[i] *= s;
}

// dst[i] += src[i]. dst, src [n]. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void add_f32(float* __restrict__ dst, const float* __restrict__ src, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        dst[i] += src[i];
}

// y[r, c] = b[c]: every row of y starts as the bias. y [rows, C]; b [C]. block = 256, grid = ⌈rows·C / 256⌉.
extern "C" __global__ void bias_rows(float* __restrict__ y, const float* __restrict__ b, long long rows, int C) {
    const long long total = rows * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x)
        y[i] = b[i % C];
}

// Gradients on the wire in bf16 (a data-parallel all-reduce under --precision bf16): y[i] = bf16(x[i]), rounded to
// nearest even. x [n] float32, y [n] bf16. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void pack_bf16(const float* __restrict__ x, bf16* __restrict__ y, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = f32_to_bf16(x[i]);
}

// y[i] = float(x[i]) (exact). x [n] bf16, y [n] float32. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void unpack_bf16(const bf16* __restrict__ x, float* __restrict__ y, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = bf16_to_f32(x[i]);
}

