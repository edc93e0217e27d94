#!/usr/bin/env python3
"""PyTorch reference for the Java model (run with Debian's python3-torch: /usr/bin/python3).

Writes golden safetensors files: fixed weights and tokens, then logits, loss, every gradient, and the parameters after
3 AdamW steps (with the paper's linear warmup schedule, weight decay and gradient clipping), for the full-rank model and
for the InRank model at a given number of active modes k, and for the cumulative InRank model (the paper's: a frozen
W0 per MLP linear plus the factors, W = W0 + A^T Bt; W0 is a buffer, so it gets no gradient and AdamW never moves it). The Java test loads the weights from the file, runs the same
computation and compares.

The reference computes in float64 (weights drawn as float32): Adam normalises gradients, so where a gradient is zero in
exact arithmetic (the key part of c_attn.bias: softmax ignores a per-query constant) float32 rounding noise becomes a
full-size update of random sign; only a float64 reference makes 3-step parameter parity meaningful.

The architecture is the tiny preset's (2 layers, 4 heads, d=128). By default the vocabulary is 512 and batch 2 x 16 so
the committed file stays a few MB; --vocab 50257 writes the full-vocabulary golden for an on-demand check (the kernels
are the same, only wte and the softmax grow).

Usage: /usr/bin/python3 gpt_reference.py OUT_DIR [--vocab 512] [--seq 16] [--batch 2] [--k 10]
       /usr/bin/python3 gpt_reference.py CHECKPOINT_DIR --check-java PROBE.safetensors
"""
import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path):
    inv = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=inv[e["dtype"]]).reshape(e["shape"]).clone()
    return out, meta


class Gpt(torch.nn.Module):
    """GPT-2 as in the paper's code: pre-LN, learned positions, tied head, attention logits / (sqrt(hd) * (layer+1)).
    Weights are [in, out] like HF Conv1D; InRank MLP linears are A [R, in], Bt [R, out] on their first k modes."""

    def __init__(self, vocab, ctx, layers, heads, dim, low_rank, cumulative=False):
        super().__init__()
        self.layers, self.heads, self.dim, self.low_rank = layers, heads, dim, low_rank
        self.cumulative = cumulative
        hid, r = 4 * dim, dim // 2
        self.max_rank = r
        p = {"wte": (vocab, dim), "wpe": (ctx, dim)}
        for l in range(layers):
            h = f"h.{l}."
            p.update({h + "ln_1.weight": (dim,), h + "ln_1.bias": (dim,),
                      h + "attn.c_attn.weight": (dim, 3 * dim), h + "attn.c_attn.bias": (3 * dim,),
                      h + "attn.c_proj.weight": (dim, dim), h + "attn.c_proj.bias": (dim,),
                      h + "ln_2.weight": (dim,), h + "ln_2.bias": (dim,)})
            if low_rank:
                p.update({h + "mlp.fc1.A": (r, dim), h + "mlp.fc1.Bt": (r, hid), h + "mlp.fc1.bias": (hid,),
                          h + "mlp.fc2.A": (r, hid), h + "mlp.fc2.Bt": (r, dim), h + "mlp.fc2.bias": (dim,)})
            else:
                p.update({h + "mlp.c_fc.weight": (dim, hid), h + "mlp.c_fc.bias": (hid,),
                          h + "mlp.c_proj.weight": (hid, dim), h + "mlp.c_proj.bias": (dim,)})
        p.update({"ln_f.weight": (dim,), "ln_f.bias": (dim,)})
        self.names = list(p)
        self.params = torch.nn.ParameterDict({n.replace(".", "__"): torch.nn.Parameter(torch.zeros(s)) for n, s in p.items()})
        self.base_names = [f"h.{l}.mlp.{f}" for l in range(layers) for f in ("fc1", "fc2")] if cumulative else []
        for n in self.base_names:  # frozen W0 [in, out]: buffers, not parameters
            self.register_buffer(n.replace(".", "__"), torch.zeros((dim, hid) if n.endswith("fc1") else (hid, dim)))
        self.k = [r] * (2 * layers)
        self.sdpa = False  # True: torch's fused scaled_dot_product_attention (benchmarks), same math

    def P(self, name):
        return self.params[name.replace(".", "__")]

    def base(self, name):
        return getattr(self, name.replace(".", "__"))

    def init(self, gen):
        for n in self.base_names:
            with torch.no_grad():
                self.base(n).normal_(0, 0.02, generator=gen)
        for n in self.names:
            t = self.P(n)
            with torch.no_grad():
                if n.endswith(".bias"):
                    t.normal_(0, 0.02, generator=gen)      # non-zero so bias gradients and decay rules are exercised
                elif "ln_" in n:
                    t.copy_(1 + 0.1 * torch.randn(t.shape, generator=gen))
                elif n.endswith(".A"):
                    b = 1 / math.sqrt(t.shape[1]); t.uniform_(-b, b, generator=gen)
                elif n.endswith(".Bt"):
                    b = 1 / math.sqrt(self.max_rank); t.uniform_(-b, b, generator=gen)
                else:
                    t.normal_(0, 0.02, generator=gen)

    def forward(self, ids):
        B, T = ids.shape
        C, H = self.dim, self.heads
        hd = C // H
        x = self.P("wte")[ids] + self.P("wpe")[:T]
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        for l in range(self.layers):
            h = f"h.{l}."
            a = F.layer_norm(x, (C,), self.P(h + "ln_1.weight"), self.P(h + "ln_1.bias"), 1e-5)
            qkv = a @ self.P(h + "attn.c_attn.weight") + self.P(h + "attn.c_attn.bias")
            q, k, v = qkv.split(C, dim=2)
            q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v))
            if self.sdpa:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1 / (math.sqrt(hd) * (l + 1)))
            else:
                att = (q @ k.transpose(-2, -1)) / (math.sqrt(hd) * (l + 1))
                att = att.masked_fill(~mask.to(att.device), float("-inf")).softmax(-1)
                y = att @ v
            y = y.transpose(1, 2).reshape(B, T, C)
            x = x + y @ self.P(h + "attn.c_proj.weight") + self.P(h + "attn.c_proj.bias")
            m = F.layer_norm(x, (C,), self.P(h + "ln_2.weight"), self.P(h + "ln_2.bias"), 1e-5)
            if self.low_rank:
                k1, k2 = self.k[2 * l], self.k[2 * l + 1]
                u = (m @ self.P(h + "mlp.fc1.A")[:k1].T) @ self.P(h + "mlp.fc1.Bt")[:k1] + self.P(h + "mlp.fc1.bias")
                m = u + m @ self.base(h + "mlp.fc1") if self.cumulative else u
                m = F.gelu(m)                                            # exact erf GELU (the InRank model)
                u = (m @ self.P(h + "mlp.fc2.A")[:k2].T) @ self.P(h + "mlp.fc2.Bt")[:k2] + self.P(h + "mlp.fc2.bias")
                m = u + m @ self.base(h + "mlp.fc2") if self.cumulative else u
            else:
                m = m @ self.P(h + "mlp.c_fc.weight") + self.P(h + "mlp.c_fc.bias")
                m = F.gelu(m, approximate="tanh")                        # gelu_new (the HF baseline)
                m = m @ self.P(h + "mlp.c_proj.weight") + self.P(h + "mlp.c_proj.bias")
            x = x + m
        x = F.layer_norm(x, (C,), self.P("ln_f.weight"), self.P("ln_f.bias"), 1e-5)
        return x @ self.P("wte").T


def linear_schedule(step, peak, warmup, total):
    if step < warmup:
        return peak * step / max(1, warmup)
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def golden(out, low_rank, vocab, seq, batch, k, seed, cumulative=False):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Gpt(vocab, 128, 2, 4, 128, low_rank, cumulative)
    model.init(gen)           # float32 values ...
    model.double()            # ... computed in float64, so the reference carries no float32 rounding noise
    if low_rank:
        model.k = [k, k + 3, k + 7, k - 2]
    steps = [torch.randint(0, vocab, (batch, seq + 1), generator=gen) for _ in range(3)]
    t = {}
    for n in model.names:
        t["init." + n] = model.P(n).detach().float().clone()   # exact: the values are float32
    for n in model.base_names:
        t["base." + n] = model.base(n).detach().float().clone()
    for i, s in enumerate(steps):
        t[f"tokens.{i}"] = s.to(torch.int64)

    decay = [model.P(n) for n in model.names if not n.endswith(".bias") and "ln_" not in n and n not in ("wte", "wpe")]
    no_decay = [model.P(n) for n in model.names if n.endswith(".bias") or "ln_" in n or n in ("wte", "wpe")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    for i, s in enumerate(steps):
        x, y = s[:, :-1], s[:, 1:]
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        if i == 0:
            t["logits"] = logits.detach().reshape(batch * seq, vocab)
            t["loss"] = loss.detach().reshape(1)
            for n in model.names:
                t["grad." + n] = model.P(n).grad.detach().clone()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        t[f"gradnorm.{i}"] = norm.detach().reshape(1)
        for g in opt.param_groups:
            g["lr"] = linear_schedule(i, 1e-3, 2, 10)
        opt.step()
    for n in model.names:
        t["after3." + n] = model.P(n).detach().clone()
    for n in model.base_names:
        assert torch.equal(model.base(n).float(), t["base." + n]), "W0 moved"
    meta = {"vocab": vocab, "seq": seq, "batch": batch,
            "mode": "cumulative" if cumulative else "inrank" if low_rank else "full",
            "k": json.dumps(model.k if low_rank else []), "torch": torch.__version__,
            "schedule": "linear peak 1e-3 warmup 2 total 10", "clip": 1.0}
    save_safetensors(out, t, meta)
    print(f"wrote {out}: loss {t['loss'].item():.6f}, {len(t)} tensors")


def check_java_checkpoint(ckpt_dir, probe_file):
    """Loads a checkpoint written by the Java model, runs the probe tokens and compares with the logits Java computed."""
    with open(os.path.join(ckpt_dir, "state.json")) as f:
        state = json.load(f)
    c = state["config"]
    weights, _ = load_safetensors(os.path.join(ckpt_dir, "model.safetensors"))
    probe, _ = load_safetensors(probe_file)
    low_rank = c["mode"] != "FULL"
    model = Gpt(c["vocab"], c["context"], c["layers"], c["heads"], c["dim"], low_rank).double()
    if low_rank:  # factors are stored with exactly their rows; let the module hold those shapes
        for n in model.names:
            if n.endswith(".A") or n.endswith(".Bt"):
                model.params[n.replace(".", "__")] = torch.nn.Parameter(torch.zeros(weights[n].shape, dtype=torch.float64))
        model.k = state["activeModes"]
    with torch.no_grad():
        for n in model.names:
            model.P(n).copy_(weights[n].double())
        ids = probe["tokens"].long()
        logits = model(ids).reshape(-1, c["vocab"])
    ref = probe["logits"].double()
    err = ((logits - ref).abs().max() / ref.abs().max()).item()
    print(f"java checkpoint {ckpt_dir}: max relative logit error {err:.3e}")
    return err


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", help="where to write the golden files (or, with --check-java, a Java checkpoint dir)")
    ap.add_argument("--check-java", metavar="PROBE", help="compare a Java checkpoint's logits on PROBE (safetensors: tokens, logits)")
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1113)
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.check_java:
        raise SystemExit(0 if check_java_checkpoint(a.out_dir, a.check_java) <= 1e-4 else 1)
    os.makedirs(a.out_dir, exist_ok=True)
    golden(os.path.join(a.out_dir, "tiny-full.safetensors"), False, a.vocab, a.seq, a.batch, a.k, a.seed)
    golden(os.path.join(a.out_dir, "tiny-inrank.safetensors"), True, a.vocab, a.seq, a.batch, a.k, a.seed)
    golden(os.path.join(a.out_dir, "tiny-cumulative.safetensors"), True, a.vocab, a.seq, a.batch, a.k, a.seed, True)
