#!/usr/bin/env python3
"""The same training step as `./inrank bench train`, in PyTorch (Debian's python3-torch: /usr/bin/python3), printing
the same JSON line so the ratio is measured in one run on one machine. On a GPU (--device cuda) it is the eager
PyTorch twin of the cuda backend's bench: --precision fp32 (TF32 off), tf32 (TF32 matmuls) or bf16 (autocast), and
--sdpa for torch's fused attention; it then also reports peak device memory.

Usage: /usr/bin/python3 bench/torch_reference.py --preset tiny --mode efficient-no-resize --batch 8 --seq 64 --steps 10 --threads 2
       python bench/torch_reference.py --device cuda --precision bf16 --sdpa --preset gpt2-small --batch 16 --seq 1024
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model", "src", "test", "python"))
from gpt_reference import Gpt  # noqa: E402

PRESETS = {"tiny": (50257, 128, 2, 4, 128), "cpu-small": (50257, 128, 4, 4, 256), "gpt2-small": (50257, 1024, 12, 12, 768),
           "gpt2-medium": (50257, 1024, 24, 16, 1024), "gpt2-large": (50257, 1024, 36, 20, 1280)}

ap = argparse.ArgumentParser()
ap.add_argument("--preset", default="tiny")
ap.add_argument("--mode", default="efficient-no-resize", choices=["full", "efficient-no-resize", "efficient", "cumulative"])
ap.add_argument("--rank", type=int, default=-1)
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--seq", type=int, default=64)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--warmup", type=int, default=2)
ap.add_argument("--threads", type=int, default=os.cpu_count())
ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"])
ap.add_argument("--sdpa", action="store_true", help="torch's fused scaled_dot_product_attention")
a = ap.parse_args()
torch.set_num_threads(a.threads)
cuda = a.device == "cuda"
if cuda:
    torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
    torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
vocab, ctx, layers, heads, dim = PRESETS[a.preset]
model = Gpt(vocab, ctx, layers, heads, dim, a.mode != "full", a.mode == "cumulative")
model.init(torch.Generator().manual_seed(1))
model.sdpa = a.sdpa
model.to(a.device)
if a.mode != "full" and a.rank > 0:
    model.k = [a.rank] * (2 * layers)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
n, total, loss = a.batch * a.seq, 0.0, float("nan")


def sync():
    if cuda:
        torch.cuda.synchronize()


for s in range(a.warmup + a.steps):
    ids = torch.randint(0, vocab, (a.batch, a.seq), device=a.device)
    tg = torch.randint(0, vocab, (a.batch, a.seq), device=a.device)
    sync()
    t0 = time.perf_counter()
    opt.zero_grad()
    with torch.autocast(device_type=a.device, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
        logits = model(ids)
    loss = F.cross_entropy(logits.float().reshape(-1, vocab), tg.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sync()
    if s >= a.warmup:
        total += time.perf_counter() - t0
step_ms = total * 1000 / a.steps
params = sum(p.numel() for p in model.parameters())
line = {"bench": "train", "impl": "torch " + torch.__version__, "preset": a.preset, "mode": a.mode, "rank": a.rank,
        "batch": a.batch, "seq": a.seq, "params": params, "step_ms": round(step_ms, 1),
        "tokens_per_s": round(n / (step_ms / 1000)), "loss": round(loss.item(), 4), "threads": a.threads}
if cuda:
    line.update({"device": torch.cuda.get_device_name(), "precision": a.precision, "sdpa": a.sdpa,
                 "peak_device_mib": round(torch.cuda.max_memory_allocated() / 2**20)})
print(json.dumps(line))
