#!/usr/bin/env python3
"""Data-parallel scaling model of InRank GPT-2 training on paper: gradient bytes per step, ring all-reduce time, and
the efficiency it leaves at 8 and 64 GPUs (docs/DATA-PARALLEL.md shows its output). No measurement: every input is
stated below, change them and rerun."""

V, CTX = 50257, 1024
MODELS = {  # name: (d_model, layers, the per-matrix MLP rank InRank reaches; paper-spec: the official fixed-rank ranks)
    "gpt2-small": (768, 12, 254),
    "gpt2-medium": (1024, 24, 287),
}
TOKENS_PER_STEP = 512 * 1024  # the paper's global batch: 512 sequences of 1,024 tokens
ACHIEVED_TFLOPS = 400.0  # per GPU, bf16 on an H100 at ~40 % of its 989 TFLOP/s dense peak
LINKS = {  # per-GPU all-reduce bus bandwidth NCCL reaches, GB/s (busbw: the ring's 2(N-1)/N factor is applied below)
    "NVLink (H100, one node)": 360.0,
    "400 Gb/s per GPU (IB/RoCE)": 45.0,
    "100 Gb/s per GPU": 11.5,
}


def params(d, layers, rank=None):
    mlp = 2 * (d * 4 * d) if rank is None else 2 * rank * (d + 4 * d)  # fc1 [d, 4d] and fc2 [4d, d], or their factors
    block = 4 * d * d + 4 * d + mlp + 4 * d + d + 4 * d  # qkv + proj weights and biases, fc biases, two layer norms
    return V * d + CTX * d + layers * block + 2 * d  # tied wte, wpe, blocks, final layer norm


def flops_per_token(n_params, d, layers):
    return 6 * n_params + 12 * layers * CTX * d  # weights (forward + backward) + attention scores


def main():
    print("| model | weights | params | grad MB fp32 | grad MB bf16 | GPUs | link | compute ms | all-reduce ms (bf16)"
          " | efficiency, no overlap | efficiency, overlapped with the backward |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (d, layers, rank) in MODELS.items():
        stored = d // 2  # R_max: stage 1 stores (and, reducing everything, sends) factors of this rank
        for label, r in (("dense", None), (f"stage 1, R_max={stored}", stored), (f"stage 2, r={rank}", rank)):
            n = params(d, layers, r)
            fp32, bf16 = 4 * n / 1e6, 2 * n / 1e6
            for gpus in (8, 64):
                compute = flops_per_token(n, d, layers) * TOKENS_PER_STEP / gpus / (ACHIEVED_TFLOPS * 1e12) * 1e3
                for link, busbw in LINKS.items():
                    if gpus == 8 and not link.startswith("NVLink"):
                        continue  # one 8-GPU node talks over NVLink
                    if gpus == 64 and link.startswith("NVLink"):
                        continue
                    comm = 2 * (gpus - 1) / gpus * bf16 / 1e3 / busbw * 1e3
                    no_overlap = compute / (compute + comm)
                    # buckets go out as the backward (2/3 of the compute) produces them: only the rest is exposed
                    exposed = max(0.0, comm - 2 / 3 * compute)
                    overlapped = compute / (compute + exposed)
                    print(f"| {name} | {label} | {n / 1e6:.2f} M | {fp32:.0f} | {bf16:.0f} | {gpus} | {link} |"
                          f" {compute:.1f} | {comm:.1f} | {no_overlap:.0%} | {overlapped:.0%} |")
    for name, (d, layers, rank) in MODELS.items():
        full, stage1, low = params(d, layers), params(d, layers, d // 2), params(d, layers, rank)
        print(f"\n{name}: stage 2 communicates {full / low:.2f}x fewer gradient bytes than dense ({1 - low / full:.1%}"
              f" less); stage 1 {full / stage1:.2f}x ({1 - stage1 / full:.1%} less)")


if __name__ == "__main__":
    main()
