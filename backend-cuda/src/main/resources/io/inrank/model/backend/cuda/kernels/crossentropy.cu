// Softmax + cross-entropy fused over the vocabulary (float32): the forward turns logits into probabilities in place
// and writes each row's loss; the backward turns probabilities into dlogits. Block reductions keep a fixed order.

// probs = softmax(logits) in place; losses[row] = −log p[row, target]. logits [n, V]; targets, losses [n].
// block = 1024 (a multiple of 32), grid = n (one block per row). __launch_bounds__(1024): without it the compiler may
// use more than 64 registers a thread, and a 1024-thread block would not launch.
extern "C" __global__ void __launch_bounds__(1024) softmax_xent_forward(float* logits, const int* __restrict__ targets,
                                                float* __restrict__ losses, int V) {
    __shared__ float scratch[32];
    float* row = logits + (long long)blockIdx.x * V;
    float mx = -3.402823466e38f;
    for (int i = (int)threadIdx.x; i < V; i += (int)blockDim.x) mx = fmaxf(mx, row[i]);
    mx = block_max(mx, scratch);
    float s = 0.0f;
    for (int i = (int)threadIdx.x; i < V; i += (int)blockDim.x) s += expf(row[i] - mx);
    s = block_sum(s, scratch);
    const int t = targets[blockIdx.x];
    const float target_logit = row[t];
    __syncthreads();  // every thread has read row[t] before any overwrites it
    const float inv = 1.0f / s;
    for (int i = (int)threadIdx.x; i < V; i += (int)blockDim.x) row[i] = expf(row[i] - mx) * inv;
    if (threadIdx.x == 0) losses[blockIdx.x] = logf(s) - (target_logit - mx);
}

// dlogits = (p − onehot(target))·dloss in place (dloss already holds the 1/n of the mean).
// probs [n, V]; targets [n]. block = 256, grid = n.
extern "C" __global__ void softmax_xent_backward(float* probs, const int* __restrict__ targets, int V, float dloss) {
    float* row = probs + (long long)blockIdx.x * V;
    const int t = targets[blockIdx.x];
    for (int i = (int)threadIdx.x; i < V; i += (int)blockDim.x) row[i] = (row[i] - (i == t ? 1.0f : 0.0f)) * dloss;
}
