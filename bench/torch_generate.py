#!/usr/bin/env python3
"""Single-stream KV-cache decoding in PyTorch, the twin of `./inrank bench generate` (same architecture, greedy, same
token count, one JSON line), so the ND4J decoder is compared with PyTorch on the same machine and threads.

Usage: /usr/bin/python3 bench/torch_generate.py --preset gpt2-small --rank 254 --tokens 200 --threads 2
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model", "src", "test", "python"))
from gpt_reference import Gpt  # noqa: E402

PRESETS = {"tiny": (50257, 128, 2, 4, 128), "gpt2-small": (50257, 1024, 12, 12, 768),
           "gpt2-medium": (50257, 1024, 24, 16, 1024), "gpt2-large": (50257, 1024, 36, 20, 1280)}


@torch.no_grad()
def step(m, tok, pos, kc, vc):
    """One token through the model with per-layer K/V caches [ctx, C]; returns logits [V]."""
    C, H = m.dim, m.heads
    hd = C // H
    x = m.P("wte")[tok] + m.P("wpe")[pos]
    for l in range(m.layers):
        h = f"h.{l}."
        a = F.layer_norm(x, (C,), m.P(h + "ln_1.weight"), m.P(h + "ln_1.bias"), 1e-5)
        q, k, v = (a @ m.P(h + "attn.c_attn.weight") + m.P(h + "attn.c_attn.bias")).split(C)
        kc[l][pos], vc[l][pos] = k, v
        K, V = kc[l][: pos + 1].view(pos + 1, H, hd), vc[l][: pos + 1].view(pos + 1, H, hd)
        att = torch.einsum("hd,thd->ht", q.view(H, hd), K) / (math.sqrt(hd) * (l + 1))
        y = torch.einsum("ht,thd->hd", att.softmax(-1), V).reshape(C)
        x = x + y @ m.P(h + "attn.c_proj.weight") + m.P(h + "attn.c_proj.bias")
        z = F.layer_norm(x, (C,), m.P(h + "ln_2.weight"), m.P(h + "ln_2.bias"), 1e-5)
        if m.low_rank:
            a1, b1, a2, b2 = m.factors[l]
            z = F.gelu((z @ a1) @ b1 + m.P(h + "mlp.fc1.bias"))
            z = (z @ a2) @ b2 + m.P(h + "mlp.fc2.bias")
        else:
            z = F.gelu(z @ m.P(h + "mlp.c_fc.weight") + m.P(h + "mlp.c_fc.bias"), approximate="tanh")
            z = z @ m.P(h + "mlp.c_proj.weight") + m.P(h + "mlp.c_proj.bias")
        x = x + z
    x = F.layer_norm(x, (C,), m.P("ln_f.weight"), m.P("ln_f.bias"), 1e-5)
    return x @ m.P("wte").T


def tokens_per_second(m, ctx, n):
    for warm in range(2):
        kc = [torch.zeros(ctx, m.dim) for _ in range(m.layers)]
        vc = [torch.zeros(ctx, m.dim) for _ in range(m.layers)]
        tok, t0 = 464, time.perf_counter()
        for pos in range(n):
            tok = int(step(m, tok, pos, kc, vc).argmax())
        if warm == 1:
            return n / (time.perf_counter() - t0)


ap = argparse.ArgumentParser()
ap.add_argument("--preset", default="tiny")
ap.add_argument("--rank", type=int, default=-1)
ap.add_argument("--tokens", type=int, default=200)
ap.add_argument("--threads", type=int, default=os.cpu_count())
a = ap.parse_args()
torch.set_num_threads(a.threads)
vocab, ctx, layers, heads, dim = PRESETS[a.preset]
n = min(a.tokens, ctx - 1)
dense = Gpt(vocab, ctx, layers, heads, dim, False)
dense.init(torch.Generator().manual_seed(1))
factored = Gpt(vocab, ctx, layers, heads, dim, True)
factored.init(torch.Generator().manual_seed(1))
r = a.rank if a.rank > 0 else dim // 4
factored.k = [r] * (2 * layers)
with torch.no_grad():  # the active factors as contiguous [in, k] and [k, out] matrices, made once (not per token)
    factored.factors = [(factored.P(f"h.{l}.mlp.fc1.A")[:r].T.contiguous(), factored.P(f"h.{l}.mlp.fc1.Bt")[:r].contiguous(),
                         factored.P(f"h.{l}.mlp.fc2.A")[:r].T.contiguous(), factored.P(f"h.{l}.mlp.fc2.Bt")[:r].contiguous())
                        for l in range(layers)]
d, f = tokens_per_second(dense, ctx, n), tokens_per_second(factored, ctx, n)
print(json.dumps({"bench": "generate", "impl": "torch", "torch": torch.__version__, "preset": a.preset, "rank": r, "tokens": n,
                  "dense_tokens_per_s": round(d, 1), "factored_tokens_per_s": round(f, 1), "speedup": round(f / d, 2),
                  "threads": a.threads}))
