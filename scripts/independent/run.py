#!/usr/bin/env python3
"""Independent runner for gatecot model files, written from docs/model-format.md only.

Usage: python3 scripts/independent/run.py MODEL.safetensors --bits 0110...

Follows the page's numpy sketch (load() is the same; the forward pass is the sketch's, but
computed one position at a time with a key/value cache so greedy generation is O(L^2)).
Arithmetic in float64.
"""
import json
import re
import struct
import sys

import numpy as np


class UsageError(Exception):
    pass


def fail(msg):
    raise UsageError(msg)


def parse_args(argv):
    model, bits = None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--bits":
            if i + 1 >= len(argv):
                fail("--bits needs a value")
            bits = argv[i + 1]
            i += 1
        elif a.startswith("--bits="):
            bits = a[len("--bits="):]
        elif a.startswith("--"):
            fail(f"unknown option {a}")
        elif model is None:
            model = a
        else:
            fail(f"unexpected argument {a}")
        i += 1
    if model is None:
        fail("usage: run.py MODEL.safetensors --bits 0110...")
    if bits is None:
        fail("missing --bits")
    if not re.fullmatch(r"[01]*", bits):
        fail("--bits must be a string of 0 and 1")
    return model, bits


def load(path):
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail(f"cannot read {path}: {e}")
    if len(raw) < 8:
        fail("file too short for a safetensors header")
    n = struct.unpack("<Q", raw[:8])[0]
    if n > len(raw) - 8:
        fail("header length exceeds file size")
    try:
        header = json.loads(raw[8:8 + n])
        meta = json.loads(header.pop("__metadata__")["gatecot"])
    except (ValueError, KeyError, TypeError) as e:
        fail(f"bad header or metadata: {e}")
    base = 8 + n
    t = {}
    for k, v in header.items():
        if v.get("dtype") != "F32":
            fail(f"tensor {k}: unsupported dtype {v.get('dtype')}")
        b, e = v["data_offsets"]
        if e - b != 4 * int(np.prod(v["shape"], dtype=np.int64)) or base + e > len(raw) or b < 0:
            fail(f"tensor {k}: bad data_offsets")
        t[k] = np.frombuffer(raw[base + b: base + e], dtype="<f4").reshape(v["shape"]).astype(np.float64)
    return t, meta


class Runner:
    """The sketch's logits(), one position at a time with cached keys and values."""

    def __init__(self, t, meta, max_len):
        self.t, self.meta = t, meta
        self.d = meta["d_model"]
        for name in ("tok_emb", "pos_emb", "unembed"):
            if name not in t:
                fail(f"missing tensor {name}")
        if len(meta["heads"]) != meta["n_layers"]:
            fail("heads must list one count per layer")
        if t["pos_emb"].shape[0] < max_len:
            fail(f"pos_emb has {t['pos_emb'].shape[0]} positions, need {max_len}")
        self.layers = []
        for l in range(meta["n_layers"]):
            heads = []
            for i in range(meta["heads"][l]):
                p = f"layers.{l}.attn.{i}."
                try:
                    wq, wk, wv, wo = (t[p + s] for s in ("w_q", "w_k", "w_v", "w_o"))
                except KeyError as e:
                    fail(f"missing tensor {e.args[0]}")
                heads.append(dict(wq=wq, wk=wk, wv=wv, wo=wo,
                                  K=np.zeros((max_len, wk.shape[0])),
                                  V=np.zeros((max_len, wv.shape[0]))))
            f = f"layers.{l}.ff."
            try:
                ff = tuple(t[f + s] for s in ("w1", "b1", "w2", "b2"))
            except KeyError as e:
                fail(f"missing tensor {e.args[0]}")
            self.layers.append((heads, ff))
        self.n = 0

    def step(self, x):
        """Append token x; return the logits at its position."""
        t, i = self.t, self.n
        if not 0 <= x < t["tok_emb"].shape[0]:
            fail(f"token id {x} out of range")
        h = t["tok_emb"][x] + t["pos_emb"][i]
        for heads, (w1, b1, w2, b2) in self.layers:
            add = np.zeros_like(h)
            for hd in heads:
                q = hd["wq"] @ h
                hd["K"][i] = hd["wk"] @ h
                hd["V"][i] = hd["wv"] @ h
                s = hd["K"][:i + 1] @ q                     # causal: j = 0..i, no scaling
                w = np.exp(s - s.max())
                w /= w.sum()
                add += hd["wo"] @ (w @ hd["V"][:i + 1])
            h = h + add
            h = h + w2 @ np.maximum(w1 @ h + b1, 0) + b2
        self.n += 1
        return t["unembed"] @ h


def main(argv):
    path, bits = parse_args(argv)
    t, meta = load(path)
    if meta.get("format_version") != 1:
        fail(f"unsupported format_version {meta.get('format_version')}")
    vocab = meta["vocab"]
    if "0" not in vocab or "1" not in vocab:
        fail('vocab lacks "0" or "1"')
    id0, id1 = vocab.index("0"), vocab.index("1")
    if isinstance(meta.get("n_inputs"), int) and len(bits) != meta["n_inputs"]:
        fail(f"--bits has {len(bits)} bits, the circuit has {meta['n_inputs']} inputs")

    seq = []
    for e in meta["prompt"]:
        if isinstance(e, int):
            seq.append(e)
        else:
            m = re.fullmatch(r"x(\d+)", str(e))
            if not m:
                fail(f"bad prompt entry {e!r}")
            k = int(m.group(1))
            if k >= len(bits):
                fail(f"prompt refers to input wire {k}, only {len(bits)} bits given")
            seq.append(id1 if bits[k] == "1" else id0)
    if not seq:
        fail("empty prompt")

    cot = meta["cot_length"]
    run = Runner(t, meta, len(seq) + cot)
    for x in seq:
        logits = run.step(x)
    for s in range(cot):
        nxt = int(np.argmax(logits))                        # first maximum = lowest id
        seq.append(nxt)
        if s + 1 < cot:
            logits = run.step(nxt)
    if isinstance(meta.get("seq_len"), int) and len(seq) != meta["seq_len"]:
        fail(f"generated {len(seq)} tokens, seq_len says {meta['seq_len']}")

    out = []
    for p in meta["outputs"]:
        if not isinstance(p, int) or not 0 <= p < len(seq):
            fail(f"output position {p} out of range")
        tok = vocab[seq[p]]
        if tok not in ("0", "1"):
            print(f"warning: output position {p} holds token {tok!r}, read as 0", file=sys.stderr)
        out.append("1" if tok == "1" else "0")
    sys.stdout.write(f"tokens: {' '.join(map(str, seq))}\noutputs: {''.join(out)}\n")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001
        print(f"internal error: {e}", file=sys.stderr)
        sys.exit(2)
