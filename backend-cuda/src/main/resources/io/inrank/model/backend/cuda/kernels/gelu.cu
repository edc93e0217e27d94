// GELU, exact (erf) or tanh-approximated, elementwise over n floats (device_math.cuh holds the scalar functions).

// y = gelu(x). x, y [n]. block = 256, grid = ⌈n / 256⌉ (grid-stride, so any grid size is correct).
extern "C" __global__ void gelu_forward(const float* __restrict__ x, float* __restrict__ y, long long n,
                                        int tanh_approx) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = tanh_approx ? gelu_tanh(x[i]) : gelu_erf(x[i]);
}

// dx = dy·gelu'(x); dx overwritten. dy, x, dx [n]. block = 256, grid = ⌈n / 256⌉ (grid-stride).
extern "C" __global__ void gelu_backward(const float* __restrict__ dy, const float* __restrict__ x,
                                         float* __restrict__ dx, long long n, int tanh_approx) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        dx[i] = dy[i] * (tanh_approx ? gelu_tanh_grad(x[i]) : gelu_erf_grad(x[i]));
}
