#!/usr/bin/env python3
"""Load a gatecot model exported for TransformerLens, run it with hooks, and check it.

    gatecot export MODEL --to transformerlens -o DIR [--circuit X.cvp]
    python3 transformerlens.py DIR [--bits B ...] [--random N] [--seed S] [--all] [--circuit X.cvp]
                               [--engine torch|numpy] [--quiet]

--engine torch (default) builds HookedTransformer(HookedTransformerConfig(**config.json)), loads
state_dict.safetensors into it, decodes greedily (the whole sequence each step) and caches every
attention pattern with run_with_cache (the hooks blocks.L.attn.hook_pattern). Without torch and
transformer_lens it prints one "skip:" line and exits 0. --engine numpy runs TransformerLens's
forward pass written out in numpy (the same einsums over the same state dict: no LayerNorm, no
attention scaling, causal mask, ReLU MLP), for machines without torch.

The prompts, the readout and the direct evaluation are run_model.py's (beside this file), read
from the gatecot metadata that state_dict.safetensors carries. Per run it prints run_model.py's
lines plus `argmax:` (the argmax at every position of the final sequence), then
    attention: ...   every head target of circuit_map.json against the cached patterns
    agree: R/R runs ...
Exit 0 when the outputs equal direct evaluation and every mapped head puts at least half its
weight on its target; 1 otherwise; 2 on bad input.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_model as rm  # noqa: E402

USAGE = "usage: transformerlens.py DIR [--bits B ...] [--random N] [--seed S] [--all] [--circuit X.cvp] [--engine torch|numpy] [--quiet]"


def load_export(folder):
    """config.json, the state dict (name -> array), the gatecot metadata, the export notes and the map."""
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        with open(os.path.join(folder, "circuit_map.json"), encoding="utf-8") as f:
            cmap = json.load(f)
    except (OSError, ValueError) as e:
        rm.fail(f"{folder}: not a gatecot TransformerLens export ({e})")
    path = os.path.join(folder, "state_dict.safetensors")
    sd, meta = rm.load_model(path)
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        notes = json.loads(json.loads(f.read(n))["__metadata__"].get("gatecot_export", "{}"))
    return cfg, sd, meta, notes, cmap


# ---- TransformerLens's forward pass, in numpy ----------------------------------------------

def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class NumpyTL:
    """HookedTransformer.forward for this config (normalization_type None, standard positions,
    use_attn_scale False, ReLU MLP, not attn_only, not parallel), over the exported state dict."""

    name = "TransformerLens's forward pass in numpy"

    def __init__(self, cfg, sd):
        for key, want in (("normalization_type", None), ("positional_embedding_type", "standard"), ("act_fn", "relu"), ("attn_only", False)):
            if cfg.get(key) != want:
                rm.fail(f"config {key} is {cfg.get(key)!r}: this forward pass is written for {want!r}")
        self.cfg, self.sd = cfg, sd

    def run(self, tokens):
        """logits [B, S, V] and the attention pattern of each layer [B, H, S, S]."""
        sd, cfg = self.sd, self.cfg
        S = tokens.shape[1]
        scale = np.sqrt(cfg["d_head"]) if cfg.get("use_attn_scale", True) else 1.0
        resid = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][:S][None]   # hook_embed + hook_pos_embed
        causal = np.tril(np.ones((S, S), dtype=bool))
        patterns = []
        for L in range(cfg["n_layers"]):
            p = f"blocks.{L}."
            q = np.einsum("bpm,hmd->bphd", resid, sd[p + "attn.W_Q"]) + sd[p + "attn.b_Q"]
            k = np.einsum("bpm,hmd->bphd", resid, sd[p + "attn.W_K"]) + sd[p + "attn.b_K"]
            v = np.einsum("bpm,hmd->bphd", resid, sd[p + "attn.W_V"]) + sd[p + "attn.b_V"]
            scores = np.einsum("bqhd,bkhd->bhqk", q, k) / scale                  # hook_attn_scores
            pattern = softmax(np.where(causal, scores, -np.inf), axis=-1)       # hook_pattern
            z = np.einsum("bkhd,bhqk->bqhd", v, pattern)                         # hook_z
            resid = resid + np.einsum("bqhd,hdm->bqm", z, sd[p + "attn.W_O"]) + sd[p + "attn.b_O"]
            pre = np.einsum("bpm,mf->bpf", resid, sd[p + "mlp.W_in"]) + sd[p + "mlp.b_in"]
            resid = resid + np.einsum("bpf,fm->bpm", np.maximum(pre, 0), sd[p + "mlp.W_out"]) + sd[p + "mlp.b_out"]
            patterns.append(pattern)
        return np.einsum("bpm,mv->bpv", resid, sd["unembed.W_U"]) + sd["unembed.b_U"], patterns


class TorchTL:
    """The real HookedTransformer, its patterns from run_with_cache."""

    name = "TransformerLens HookedTransformer (torch)"

    def __init__(self, cfg, sd):
        import torch
        from transformer_lens import HookedTransformer, HookedTransformerConfig
        self.torch = torch
        self.model = HookedTransformer(HookedTransformerConfig(**cfg))
        missing, unexpected = self.model.load_state_dict({k: torch.tensor(np.array(v)) for k, v in sd.items()}, strict=False)
        if unexpected:
            rm.fail(f"HookedTransformer has no parameters {unexpected[:3]}")
        weights = [m for m in missing if not m.endswith((".mask", ".IGNORE")) and "rotary" not in m]
        if weights:
            rm.fail(f"the state dict lacks {weights[:3]}")
        self.model.eval()
        self.n_layers = cfg["n_layers"]

    def run(self, tokens):
        with self.torch.no_grad():
            logits, cache = self.model.run_with_cache(self.torch.tensor(tokens, dtype=self.torch.long), names_filter=lambda n: n.endswith("hook_pattern"))
        return logits.cpu().numpy(), [cache[f"blocks.{L}.attn.hook_pattern"].cpu().numpy() for L in range(self.n_layers)]


def make_engine(kind, cfg, sd):
    if kind == "numpy":
        return NumpyTL(cfg, sd)
    try:
        return TorchTL(cfg, sd)
    except ImportError as e:
        print(f"skip: torch and transformer_lens are not importable here ({e}); --engine numpy runs TransformerLens's forward pass in numpy")
        return None


# ---- decoding and the checks ------------------------------------------------------------

def decode(engine, runs, latent):
    """The final sequences (prompt + greedy CoT, recomputed whole at each step), the argmax at
    every position of them, and their attention patterns."""
    seqs = np.array([r.prompt for r in runs], dtype=np.int64)
    for _ in range(0 if latent else runs[0].steps):
        logits, _ = engine.run(seqs)
        seqs = np.concatenate([seqs, np.argmax(logits[:, -1], axis=1)[:, None]], axis=1)
    logits, patterns = engine.run(seqs)
    return seqs, np.argmax(logits, axis=2), patterns


def check_attention(cmap, runs, patterns, threshold=0.5):
    """Every (step, head, target) of circuit_map.json against the patterns of every layer where
    the head runs: (checked, below threshold, least weight, first failure)."""
    prompt = cmap["sequence"]["prompt"]
    if any(isinstance(e, int) and (len(r.prompt) != len(prompt) or r.prompt[i] != e) for r in runs for i, e in enumerate(prompt)):
        return None
    applied = {(h["layer"], h["head"]): h["applied_layers"] for h in cmap["heads"]}
    checked, low, least, first = 0, 0, 1.0, None
    for w in cmap["wires"]:
        for st in w["steps"]:
            for h in st["heads"]:
                for L in applied[(h["layer"], h["head"])]:
                    weight = patterns[L][:, h["head"], st["position"], h["target"]]
                    checked += weight.size
                    least = min(least, float(weight.min()))
                    if weight.min() < threshold:
                        low += int((weight < threshold).sum())
                        first = first or f"wire {w['wire']} ({w['name']}): head {h['name']} (block {L}) at position {st['position']} puts {float(weight.min()):.3f} on its target {h['target']}"
    return checked, low, least, first


def main(argv):
    opts = rm.parse_args(argv, USAGE, __doc__, {"engine": ("torch", "numpy")})
    if opts["onnx"] or opts["loops"] is not None or opts["dtype"] != "float32":
        rm.fail("--onnx, --loops and --dtype are run_model.py's: an export has its loops unrolled and runs in float32")
    cfg, sd, meta, notes, cmap = load_export(opts["model"])
    runs = rm.plan_runs(meta, opts)
    latent = meta.get("readout", "token") == "argmax"
    need = getattr(runs[0], "loops", None)
    if need is not None and notes.get("loops") is not None and need > notes["loops"]:
        print(f"note: the export unrolled {notes['loops']} loops, the circuit's depth is {need}: too few, expect wrong outputs")
    engine = make_engine(opts["engine"], cfg, sd)
    if engine is None:
        return 0
    print(f"model: {opts['model']}: {engine.name}, {cfg['n_layers']} blocks x {cfg['n_heads']} heads (d_head {cfg['d_head']}), d_model {cfg['d_model']}; gatecot {rm.describe(meta)}")
    seqs, argmax, patterns = decode(engine, runs, latent)
    vocab = meta["vocab"]
    agree = 0
    for r, seq, am in zip(runs, seqs.tolist(), argmax.tolist()):
        ok, msg = rm.check(vocab, r, am if latent else seq, latent)
        agree += ok
        print(f"run: {r.label}")
        if not opts["quiet"] or not ok:
            print("tokens: " + " ".join(map(str, seq)))
            print("argmax: " + " ".join(map(str, am)))
        print(f"outputs: {rm.answer(vocab, am if latent else seq, r.outputs)}")
        print(f"direct: {r.direct}")
        print(f"check: {msg}")
    att = check_attention(cmap, runs, patterns)
    if att is None:
        att_ok = True
        print("attention: not checked: circuit_map.json maps another circuit (export with --circuit of this one)")
    else:
        checked, low, least, first = att
        att_ok = low == 0
        print(f"attention: {checked} head targets of circuit_map.json checked, least weight on a target {least:.4f}"
              + (f"; {low} below 0.5, first {first}" if low else ": all above 0.5"))
    print(f"agree: {agree}/{len(runs)} runs {'agree' if agree == len(runs) else 'do NOT all agree'} with direct evaluation")
    return 0 if agree == len(runs) and att_ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except rm.UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        print(f"error: the export does not follow docs/model-format.md ({type(e).__name__}: {e})", file=sys.stderr)
        sys.exit(2)
