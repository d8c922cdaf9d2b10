#!/usr/bin/env python3
"""numpy peer of `npm run bench -- --peers` (bench/peers.ts): the same forward pass over the same
exported weights (a gatecot .safetensors file, read with numpy from docs/model-format.md) and the
same teacher-forced sequences, in float32, the way a numpy user would write it: per layer and
head Q = H Wq^T, K, V for every position, then causal softmax attention in blocks of query rows
(scores Q_blk K^T for the keys up to the block's end, the upper triangle masked, max subtracted,
exp, normalised, times V), the heads' outputs through W_O, the feed-forward layer, the logits in
blocks of rows, argmax.

    python3 numpy_peer.py --model M.safetensors --seqs S.bin --batch B --len L --prompt P
                          [--reps 3] [--shared]

S.bin holds at least B sequences of L int32 token ids (little-endian, row after row). --shared:
a position-only head (W_Q and W_K read no coordinate a token embedding sets: its scores are the
same for every input) computes its softmax weights once for the whole batch and applies them to
every sequence's values, as gatecot's engines do ("numpy shared"); without it every sequence
runs alone ("numpy"). Prints one JSON line: the best time of --reps passes after one warm-up,
every time, the argmax positions that differ from the next token of the sequence (from P - 1 on),
and the process's peak resident memory.
"""
import argparse
import json
import resource
import struct
import sys
import time

import numpy as np

SCORE_BLOCK = 1 << 24  # floats in one block of scores (64 MiB)


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = json.loads(header.pop("__metadata__")["gatecot"])
    base = 8 + n
    t = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        t[k] = np.frombuffer(raw[base + b: base + e], dtype="<f4").reshape(v["shape"])
    return t, meta


def applied_layers(meta):
    lp = meta.get("loop")
    n = meta["n_layers"]
    if not lp:
        return list(range(n))
    return list(range(lp["start"])) + list(range(lp["start"], lp["end"])) * lp["count"] + list(range(lp["end"], n))


def position_only(t, meta):
    """Per layer and head: queries and keys read no column a token embedding (or, beyond a first
    layer applied once, any layer) writes: runtime/position-only.ts's rule."""
    tok = np.any(t["tok_emb"] != 0, axis=0)
    written = np.zeros_like(tok)
    for l in range(meta["n_layers"]):
        for h in range(meta["heads"][l]):
            written |= np.any(t[f"layers.{l}.attn.{h}.w_o"] != 0, axis=1)
        written |= np.any(t[f"layers.{l}.ff.w2"] != 0, axis=1) | (t[f"layers.{l}.ff.b2"] != 0)
    lp = meta.get("loop")
    first_once = not lp or lp["start"] > 0
    out = []
    for l in range(meta["n_layers"]):
        banned = tok if (l == 0 and first_once) else (tok | written)
        row = []
        for h in range(meta["heads"][l]):
            wq, wk = t[f"layers.{l}.attn.{h}.w_q"], t[f"layers.{l}.attn.{h}.w_k"]
            row.append(not np.any(wq[:, banned] != 0) and not np.any(wk[:, banned] != 0))
        out.append(row)
    return out


def attention(Q, K, Vs):
    """Causal softmax attention of queries Q (L x dk) over keys K (L x dk); Vs: the values of one
    or more sequences (each L x dv): returns their outputs."""
    L = Q.shape[0]
    outs = [np.empty_like(V) for V in Vs]
    rows = max(1, min(L, SCORE_BLOCK // max(1, L)))
    above = np.triu(np.ones((rows, rows), dtype=bool), 1)          # key j > query i, on the diagonal
    for i0 in range(0, L, rows):
        i1 = min(L, i0 + rows)
        S = Q[i0:i1] @ K[:i1].T                                   # (i1 - i0) x i1
        S[:, i0:i1][above[: i1 - i0, : i1 - i0]] = -np.inf
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        Z = S.sum(axis=1, keepdims=True)
        for V, O in zip(Vs, outs):
            O[i0:i1] = (S @ V[:i1]) / Z
    return outs


def forward(t, meta, seqs, shared_heads):
    """argmax at every position of every sequence (B x L)."""
    B, L = seqs.shape
    Hs = [t["tok_emb"][s] + t["pos_emb"][:L] for s in seqs]
    for l in applied_layers(meta):
        adds = [np.zeros_like(H) for H in Hs]
        for h in range(meta["heads"][l]):
            p = f"layers.{l}.attn.{h}."
            wq, wk, wv, wo = t[p + "w_q"], t[p + "w_k"], t[p + "w_v"], t[p + "w_o"]
            Vs = [H @ wv.T for H in Hs]
            if shared_heads[l][h]:
                outs = attention(Hs[0] @ wq.T, Hs[0] @ wk.T, Vs)
            else:
                outs = [attention(H @ wq.T, H @ wk.T, [V])[0] for H, V in zip(Hs, Vs)]
            for a, o in zip(adds, outs):
                a += o @ wo.T
        f = f"layers.{l}.ff."
        w1, b1, w2, b2 = t[f + "w1"], t[f + "b1"], t[f + "w2"], t[f + "b2"]
        for H, a in zip(Hs, adds):
            H += a
            H += np.maximum(H @ w1.T + b1, 0) @ w2.T + b2
    U = t["unembed"]
    rows = max(1, min(L, SCORE_BLOCK // max(1, U.shape[0])))
    out = np.empty((B, L), dtype=np.int32)
    for b, H in enumerate(Hs):
        for i0 in range(0, L, rows):
            out[b, i0:i0 + rows] = np.argmax(H[i0:i0 + rows] @ U.T, axis=1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--seqs", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--len", type=int, required=True)
    ap.add_argument("--prompt", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--shared", action="store_true")
    a = ap.parse_args()
    t, meta = load(a.model)
    seqs = np.fromfile(a.seqs, dtype="<i4")[: a.batch * a.len].reshape(a.batch, a.len)
    po = position_only(t, meta)
    shared = po if a.shared else [[False] * len(r) for r in po]
    forward(t, meta, seqs, shared)  # warm-up
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        am = forward(t, meta, seqs, shared)
        times.append(time.perf_counter() - t0)
    P = a.prompt
    wrong = int(np.sum(am[:, P - 1: a.len - 1] != seqs[:, P: a.len]))
    print(json.dumps({
        "peer": "numpy shared" if a.shared else "numpy",
        "version": f"numpy {np.__version__}",
        "seconds": min(times),
        "times": times,
        "wrong": wrong,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "shared_heads": sum(map(sum, shared)),
    }))


if __name__ == "__main__":
    try:
        main()
    except MemoryError:
        print(json.dumps({"peer": "numpy", "error": "OOM"}))
        sys.exit(0)
