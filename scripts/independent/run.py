#!/usr/bin/env python3
"""Independent runner for gatecot model files, written from docs/model-format.md only.

    python3 scripts/independent/run.py MODEL.safetensors --bits 0110...    a positional model
    python3 scripts/independent/run.py MODEL.safetensors --circuit X.cvp   a uniform model

Positional (format_version 1 or 2): --bits gives every input wire, character k = wire k.
Uniform (format_version 2): X.cvp is a circuit in the cvp text format with its inputs folded in
as TRUE/FALSE descriptions (`gatecot convert C -o X.cvp --bits B`); the runner builds the prompt
from it, generates 4W tokens, and also evaluates the cvp text itself.
Prints   tokens: ID ID ...     the whole sequence (prompt and generated CoT)
         outputs: BITS         the output bits the model wrote (? where the token is no value)
         direct: BITS          uniform only: the outputs of the runner's own evaluation
Exit 0; 1 when a uniform model's outputs differ from direct evaluation; 2 on bad input.

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


USAGE = "usage: run.py MODEL.safetensors (--bits 0110... | --circuit FILE.cvp)"


def parse_args(argv):
    model, opts = None, {"bits": None, "circuit": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        m = re.fullmatch(r"--(bits|circuit)(?:=(.*))?", a, re.S)
        if m:
            if m.group(2) is not None:
                opts[m.group(1)] = m.group(2)
            elif i + 1 < len(argv):
                opts[m.group(1)] = argv[i + 1]
                i += 1
            else:
                fail(f"--{m.group(1)} needs a value")
        elif a.startswith("--"):
            fail(f"unknown option {a}")
        elif model is None:
            model = a
        else:
            fail(f"unexpected argument {a}")
        i += 1
    if model is None:
        fail(USAGE)
    if opts["bits"] is not None and not re.fullmatch(r"[01]*", opts["bits"]):
        fail("--bits must be a string of 0 and 1")
    return model, opts["bits"], opts["circuit"]


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


ARITY = {"TRUE": 0, "FALSE": 0, "NOT": 1, "BUF": 1,
         "AND": 2, "OR": 2, "XOR": 2, "NAND": 2, "NOR": 2, "XNOR": 2}

GATES = {
    "TRUE": lambda a, b: 1, "FALSE": lambda a, b: 0, "NOT": lambda a, b: 1 - a, "BUF": lambda a, b: a,
    "AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "XOR": lambda a, b: a ^ b,
    "NAND": lambda a, b: 1 - (a & b), "NOR": lambda a, b: 1 - (a | b), "XNOR": lambda a, b: 1 - (a ^ b),
}


def parse_cvp(text):
    """The cvp tokens, the descriptions (type, in1, in2) of wires 1..W (operand ids, 0 for NA),
    and the output ids (the '# output' lines, else the last description)."""
    words, outputs = [], []
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("#"):
            c = line[1:].split()
            if c[:1] != ["output"]:
                continue
            if len(c) < 3:
                fail(f"'# output' needs a name and ids: {line}")
            for k in c[2:]:
                if not re.fullmatch(r"[0-9]+", k):
                    fail(f"bad output id {k}")
                outputs.append(int(k))
        else:
            words += line.split()
    if not words or len(words) % 4:
        fail(f"the circuit has {len(words)} tokens: it must be groups of four, TYPE in1 in2 id")
    wires = []
    for i in range(0, len(words), 4):
        k = i // 4 + 1
        typ, x, y, wid = words[i:i + 4]
        if typ not in ARITY:
            fail(f"description {k}: unknown type {typ}")
        if wid != str(k):
            fail(f"description {k} ends in {wid}, expected its id {k}")
        ops = []
        for n, tok in ((1, x), (2, y)):
            if n > ARITY[typ]:
                if tok != "NA":
                    fail(f"description {k}: {typ} takes {ARITY[typ]} operand(s), in{n} must be NA")
                ops.append(0)
            elif not re.fullmatch(r"[0-9]+", tok) or not 1 <= int(tok) < k:
                fail(f"description {k}: in{n} must be an earlier id, found {tok}")
            else:
                ops.append(int(tok))
        wires.append((typ, ops[0], ops[1]))
    W = len(wires)
    for k in outputs:
        if not 1 <= k <= W:
            fail(f"output id {k} is not a wire 1..{W}")
    return words, wires, outputs or [W]


def evaluate(wires):
    """Direct evaluation: value[k] of wire k = 1..W (value[0] unused)."""
    value = [0]
    for typ, x, y in wires:
        value.append(GATES[typ](value[x], value[y]))
    return value


def token_index(vocab, tok):
    if tok not in vocab:
        fail(f"the vocabulary lacks the token {tok}")
    return vocab.index(tok)


def positional_prompt(meta, bits):
    """The prompt template with "x<k>" replaced by the value token of input bit k."""
    if bits is None:
        fail("a positional model needs --bits")
    for key in ("prompt", "cot_length", "outputs"):
        if key not in meta:
            fail(f"metadata lacks {key}")
    if isinstance(meta.get("n_inputs"), int) and len(bits) != meta["n_inputs"]:
        fail(f"--bits has {len(bits)} bits, the circuit has {meta['n_inputs']} inputs")
    prompt = []
    for e in meta["prompt"]:
        if isinstance(e, int):
            prompt.append(e)
            continue
        m = re.fullmatch(r"x(\d+)", str(e))
        if not m:
            fail(f"bad prompt entry {e!r}")
        k = int(m.group(1))
        if k >= len(bits):
            fail(f"prompt refers to input wire {k}, only {len(bits)} bits given")
        prompt.append(token_index(meta["vocab"], bits[k]))
    return prompt, meta["cot_length"], meta["outputs"], None


def uniform_prompt(meta, path):
    """<bos>, then the cvp tokens (a number k becomes "#k"); 4W tokens to generate; wire k's
    value at P + 4(k - 1) + 3."""
    if path is None:
        fail("a uniform model needs --circuit FILE.cvp")
    try:
        text = open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {path}: {e}")
    words, wires, outputs = parse_cvp(text)
    W = len(wires)
    if isinstance(meta.get("capacity"), int) and W > meta["capacity"]:
        fail(f"the circuit has {W} wires, the model's capacity is {meta['capacity']}")
    v = meta["vocab"]
    prompt = [token_index(v, "<bos>")] + [token_index(v, "#" + w if re.fullmatch(r"[0-9]+", w) else w) for w in words]
    P = len(prompt)
    value = evaluate(wires)
    return prompt, 4 * W, [P + 4 * (k - 1) + 3 for k in outputs], "".join(str(value[k]) for k in outputs)


def main(argv):
    path, bits, circuit = parse_args(argv)
    t, meta = load(path)
    if not isinstance(meta.get("vocab"), list):
        fail("metadata has no vocab array")
    version = meta.get("format_version")
    if version == 1:
        mode = "positional"
    elif version == 2:
        mode = meta.get("mode")
    else:
        fail(f"unsupported format_version {version}")
    if mode == "positional":
        if circuit is not None:
            fail("a positional model runs its own circuit: give --bits, not --circuit")
        prompt, cot, outputs, direct = positional_prompt(meta, bits)
    elif mode == "uniform":
        if bits is not None:
            fail("a uniform model takes no --bits: fold the inputs into the cvp text as TRUE/FALSE")
        prompt, cot, outputs, direct = uniform_prompt(meta, circuit)
    else:
        fail(f"unknown model mode {mode!r}")
    if not prompt:
        fail("empty prompt")

    seq = list(prompt)
    run = Runner(t, meta, len(seq) + cot)
    for x in seq:
        logits = run.step(x)
    for s in range(cot):
        nxt = int(np.argmax(logits))                        # first maximum = lowest id
        seq.append(nxt)
        if s + 1 < cot:
            logits = run.step(nxt)
    if mode == "positional" and isinstance(meta.get("seq_len"), int) and len(seq) != meta["seq_len"]:
        fail(f"generated {len(seq)} tokens, seq_len says {meta['seq_len']}")

    out = []
    for p in outputs:
        if not isinstance(p, int) or not 0 <= p < len(seq):
            fail(f"output position {p} out of range")
        tok = meta["vocab"][seq[p]]
        if tok not in ("0", "1"):
            print(f"warning: output position {p} holds token {tok!r}, not a value", file=sys.stderr)
        out.append(tok if tok in ("0", "1") else "?")
    out = "".join(out)
    sys.stdout.write(f"tokens: {' '.join(map(str, seq))}\noutputs: {out}\n")
    if direct is not None:
        sys.stdout.write(f"direct: {direct}\n")
        if out != direct:
            print("the model's outputs differ from direct evaluation", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001
        print(f"internal error: {e}", file=sys.stderr)
        sys.exit(2)
