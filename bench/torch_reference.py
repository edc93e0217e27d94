#!/usr/bin/env python3
"""The same training step as `./inrank bench train`, in PyTorch (Debian's python3-torch: /usr/bin/python3), printing
the same JSON line so the ratio is measured in one run on one machine.

Usage: /usr/bin/python3 bench/torch_reference.py --preset tiny --mode inrank --batch 8 --seq 64 --steps 10 --threads 2
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

PRESETS = {"tiny": (50257, 128, 2, 4, 128), "gpt2-small": (50257, 1024, 12, 12, 768),
           "gpt2-medium": (50257, 1024, 24, 16, 1024), "gpt2-large": (50257, 1024, 36, 20, 1280)}

ap = argparse.ArgumentParser()
ap.add_argument("--preset", default="tiny")
ap.add_argument("--mode", default="inrank", choices=["full", "inrank", "efficient"])
ap.add_argument("--rank", type=int, default=-1)
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--seq", type=int, default=64)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--warmup", type=int, default=2)
ap.add_argument("--threads", type=int, default=os.cpu_count())
a = ap.parse_args()
torch.set_num_threads(a.threads)
vocab, ctx, layers, heads, dim = PRESETS[a.preset]
model = Gpt(vocab, ctx, layers, heads, dim, a.mode != "full")
model.init(torch.Generator().manual_seed(1))
if a.mode != "full" and a.rank > 0:
    model.k = [a.rank] * (2 * layers)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
n, total, loss = a.batch * a.seq, 0.0, float("nan")
for s in range(a.warmup + a.steps):
    ids = torch.randint(0, vocab, (a.batch, a.seq))
    tg = torch.randint(0, vocab, (a.batch, a.seq))
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = F.cross_entropy(model(ids).reshape(-1, vocab), tg.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if s >= a.warmup:
        total += time.perf_counter() - t0
step_ms = total * 1000 / a.steps
params = sum(p.numel() for p in model.parameters())
print(json.dumps({"bench": "train", "impl": "torch " + torch.__version__, "preset": a.preset, "mode": a.mode,
                  "rank": a.rank, "batch": a.batch, "seq": a.seq, "params": params, "step_ms": round(step_ms, 1),
                  "tokens_per_s": round(n / (step_ms / 1000)), "loss": round(loss.item(), 4), "threads": a.threads}))
