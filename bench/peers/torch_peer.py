#!/usr/bin/env python3
"""torch peer of `npm run bench -- --peers` (bench/peers.ts): numpy_peer.py's forward pass with
PyTorch on the CPU, attention through torch.nn.functional.scaled_dot_product_attention (causal,
scale 1: gatecot's scores have no 1/sqrt(d)), the value weights zero-padded to the key width so
that its fused kernel runs. Same arguments and output as numpy_peer.py; prints a skip line when
torch does not import. (Written without torch on the development machine: not run there.)
"""
import json
import resource
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # not installed here
    print(json.dumps({"peer": "torch", "skip": f"torch not importable ({type(e).__name__})"}))
    sys.exit(0)

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from numpy_peer import applied_layers, load, position_only  # noqa: E402


def forward(t, meta, seqs, shared_heads):
    B, L = seqs.shape
    x = torch.from_numpy(seqs.astype(np.int64))
    H = t["tok_emb"][x] + t["pos_emb"][:L]                      # B x L x d
    for l in applied_layers(meta):
        add = torch.zeros_like(H)
        for h in range(meta["heads"][l]):
            p = f"layers.{l}.attn.{h}."
            wq, wk, wv, wo = t[p + "w_q"], t[p + "w_k"], t[p + "w_v"], t[p + "w_o"]
            dk, dv = wq.shape[0], wv.shape[0]
            V = H @ wv.T
            if dv < dk:
                V = F.pad(V, (0, dk - dv))
            if shared_heads[l][h]:
                q, k = (H[:1] @ wq.T), (H[:1] @ wk.T)
                # one score matrix for the batch: the values of every sequence side by side
                Vb = V.permute(1, 0, 2).reshape(1, L, B * V.shape[2])
                kb = F.pad(k, (0, B * V.shape[2] - dk)) if B * V.shape[2] > dk else k
                qb = F.pad(q, (0, kb.shape[2] - dk)) if kb.shape[2] > dk else q
                o = F.scaled_dot_product_attention(qb, kb, Vb, is_causal=True, scale=1.0)
                o = o.reshape(L, B, V.shape[2]).permute(1, 0, 2)
            else:
                o = F.scaled_dot_product_attention(H @ wq.T, H @ wk.T, V, is_causal=True, scale=1.0)
            add += o[..., :dv] @ wo.T
        f = f"layers.{l}.ff."
        H = H + add
        H = H + torch.relu(H @ t[f + "w1"].T + t[f + "b1"]) @ t[f + "w2"].T + t[f + "b2"]
    U = t["unembed"]
    return torch.stack([torch.argmax(H[b] @ U.T, dim=1) for b in range(B)])


def main():
    import argparse
    ap = argparse.ArgumentParser()
    for k in ("--model", "--seqs"):
        ap.add_argument(k, required=True)
    for k in ("--batch", "--len", "--prompt"):
        ap.add_argument(k, type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--shared", action="store_true")
    a = ap.parse_args()
    tn, meta = load(a.model)
    t = {k: torch.from_numpy(np.array(v)) for k, v in tn.items()}
    seqs = np.fromfile(a.seqs, dtype="<i4")[: a.batch * a.len].reshape(a.batch, a.len)
    po = position_only(tn, meta)
    shared = po if a.shared else [[False] * len(r) for r in po]
    with torch.inference_mode():
        forward(t, meta, seqs, shared)
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            am = forward(t, meta, seqs, shared).numpy()
            times.append(time.perf_counter() - t0)
    P = a.prompt
    print(json.dumps({
        "peer": "torch shared" if a.shared else "torch",
        "version": f"torch {torch.__version__}, {torch.get_num_threads()} threads",
        "seconds": min(times),
        "times": times,
        "wrong": int(np.sum(am[:, P - 1: a.len - 1] != seqs[:, P: a.len])),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
