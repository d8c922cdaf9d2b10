#!/usr/bin/env python3
"""Run a gatecot model with numpy alone, and check it against the circuit's direct evaluation.

Written from docs/model-format.md only (no gatecot code): every mode that page describes.

    python3 run_model.py MODEL.safetensors [--bits B ...] [--random N] [--seed S] [--all]
    python3 run_model.py MODEL.safetensors --circuit X.cvp          a uniform model
    options: --loops K (looped models)  --dtype float32|float64  --onnx MODEL.onnx  --quiet

Positional models (CoT, looped, looped-cot, deep): the circuit is in the weights and in the
metadata (`circuit`, .gc text); --bits B gives every input wire (character k = wire k), once per
run; --random N adds N random inputs (--seed), --all every input (at most 2^16); none of them:
every input when there are at most 3 input wires, else 8 random ones. Uniform models (CoT or looped): the
circuit comes as cvp text with its inputs folded in as TRUE/FALSE descriptions
(`gatecot convert C -o X.cvp --bits B`).

Per run it prints
    run: bits 10110                       (positional) or circuit X.cvp (uniform)
    tokens: ID ID ...                     the sequence: prompt, then the generated CoT
    argmax: ID ID ...                     latent models: the argmax at every position
    outputs: BITS                         what the model answers (? where no value token)
    direct: BITS                          this script's own evaluation of the circuit
    check: ok | FAILED: ...               outputs, and every CoT token / every wire position
and a last line `agree: R/R runs ...`. Exit 0 when every run agrees with direct evaluation, 1
when one does not, 2 on bad input (one line on stderr).

The forward pass keeps a key/value cache per applied layer (a looped block applied K times has K
caches), so generation costs O(S^2) per head; the prompt goes through in one matrix pass, and a
batch of inputs runs together. --onnx also runs an .onnx export of the same model with
onnxruntime (when importable: otherwise one "skip:" line) on every final sequence and compares
its argmax with this script's at every position.
"""
import json
import random
import re
import struct
import sys

import numpy as np


class UsageError(Exception):
    pass


def fail(msg):
    raise UsageError(msg)


# ---- container (docs/model-format.md, "Container") ---------------------------------------

def load_model(path):
    """The tensors (name -> float32 array) and the gatecot metadata of a .safetensors file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror or e}")
    if len(raw) < 8:
        fail(f"{path}: too short for a safetensors header")
    n = struct.unpack("<Q", raw[:8])[0]
    if n > len(raw) - 8:
        fail(f"{path}: the header length {n} exceeds the file size")
    try:
        header = json.loads(raw[8:8 + n])
        meta = json.loads(header.pop("__metadata__")["gatecot"])
    except (ValueError, KeyError, TypeError) as e:
        fail(f"{path}: not a gatecot model (bad header or no gatecot metadata: {e})")
    base = 8 + n
    tensors = {}
    for name, v in header.items():
        if not isinstance(v, dict) or v.get("dtype") != "F32":
            fail(f"{path}: tensor {name}: unsupported dtype {v.get('dtype') if isinstance(v, dict) else v}")
        shape = [int(x) for x in v["shape"]]
        b, e = v["data_offsets"]
        if b < 0 or e - b != 4 * int(np.prod(shape, dtype=np.int64)) or base + e > len(raw):
            fail(f"{path}: tensor {name}: bad data_offsets")
        tensors[name] = np.frombuffer(raw[base + b:base + e], dtype="<f4").reshape(shape)
    if not isinstance(meta, dict) or not isinstance(meta.get("vocab"), list):
        fail(f"{path}: the gatecot metadata has no vocab")
    return tensors, meta


# ---- the forward pass (docs/model-format.md, "Semantics" and "Latent models") -------------

def applied_layers(meta, loops=None):
    """Stored layer indices in the order they are applied: with `loop`, the prelude, the block
    `loops` times (default: the loop's count), then the coda."""
    n = meta["n_layers"]
    lp = meta.get("loop")
    if not lp:
        if loops is not None:
            fail("--loops: this model has no loop")
        return list(range(n))
    count = lp["count"] if loops is None else loops
    return list(range(lp["start"])) + list(range(lp["start"], lp["end"])) * count + list(range(lp["end"], n))


class Net:
    """The weights, as (heads, feed-forward) per stored layer, in the chosen float type."""

    def __init__(self, tensors, meta, dtype=np.float32):
        def t(name):
            if name not in tensors:
                fail(f"the model has no tensor {name}")
            return tensors[name].astype(dtype)
        heads = meta.get("heads")
        if not isinstance(heads, list) or len(heads) != meta.get("n_layers"):
            fail("the metadata's heads must list one count per layer")
        self.tok_emb, self.pos_emb, self.unembed = t("tok_emb"), t("pos_emb"), t("unembed")
        self.layers = []
        for l in range(meta["n_layers"]):
            hs = [tuple(t(f"layers.{l}.attn.{h}.{w}") for w in ("w_q", "w_k", "w_v", "w_o")) for h in range(heads[l])]
            ff = tuple(t(f"layers.{l}.ff.{w}") for w in ("w1", "b1", "w2", "b2"))
            self.layers.append((hs, ff))
        self.dtype = dtype


class Decoder:
    """Causal decoding with a key/value cache per applied layer and head: extend() appends
    positions (the whole prompt at once, or one token) and returns their logits."""

    def __init__(self, net, applied, batch, max_len):
        if net.pos_emb.shape[0] < max_len:
            fail(f"the model has {net.pos_emb.shape[0]} positions, the sequence needs {max_len}")
        self.net, self.applied, self.n = net, applied, 0
        self.cache = []
        for l in applied:
            hs, _ = net.layers[l]
            self.cache.append([(np.zeros((batch, max_len, wk.shape[0]), net.dtype),
                                np.zeros((batch, max_len, wv.shape[0]), net.dtype)) for _, wk, wv, _ in hs])

    def extend(self, tokens):
        """tokens: int array [B, n]; returns logits [B, n, V] at the n new positions."""
        net, i0 = self.net, self.n
        n = tokens.shape[1]
        end = i0 + n
        if np.any(tokens < 0) or np.any(tokens >= net.tok_emb.shape[0]):
            fail("a token id is outside the vocabulary")
        h = net.tok_emb[tokens] + net.pos_emb[i0:end]
        visible = np.arange(end)[None, :] <= np.arange(i0, end)[:, None]      # [n, end]: j <= i
        for a, l in enumerate(self.applied):
            hs, (w1, b1, w2, b2) = net.layers[l]
            add = np.zeros_like(h)
            for (wq, wk, wv, wo), (K, V) in zip(hs, self.cache[a]):
                K[:, i0:end] = h @ wk.T
                V[:, i0:end] = h @ wv.T
                s = (h @ wq.T) @ K[:, :end].transpose(0, 2, 1)                # no 1/sqrt(d)
                s = np.where(visible, s, -np.inf)
                w = np.exp(s - s.max(axis=2, keepdims=True))
                w /= w.sum(axis=2, keepdims=True)
                add += (w @ V[:, :end]) @ wo.T
            h = h + add
            h = h + np.maximum(h @ w1.T + b1, 0) @ w2.T + b2
        self.n = end
        return h @ net.unembed.T


def generate(net, applied, prompts, steps):
    """Greedy decoding: each prompt (equal lengths) extended by `steps` argmax tokens."""
    seqs = np.array(prompts, dtype=np.int64)
    dec = Decoder(net, applied, seqs.shape[0], seqs.shape[1] + steps)
    logits = dec.extend(seqs)[:, -1]
    for s in range(steps):
        nxt = np.argmax(logits, axis=1)[:, None]                              # first maximum: lowest id
        seqs = np.concatenate([seqs, nxt], axis=1)
        if s + 1 < steps:
            logits = dec.extend(nxt)[:, -1]
    return seqs


def argmax_all(net, applied, seqs):
    """One pass over whole sequences: the argmax at every position."""
    seqs = np.array(seqs, dtype=np.int64)
    return np.argmax(Decoder(net, applied, seqs.shape[0], seqs.shape[1]).extend(seqs), axis=2)


# ---- direct evaluation: the positional model's circuit, .gc text ----------------------------

GC_GATES = ("AND", "OR", "XOR", "NAND", "NOR", "XNOR", "NOT", "BUF", "CONST0", "CONST1")
_BLANK = "[ \t\r\n\f\v]*"
_GC_TOKEN = re.compile(
    r"(?P<skip>[ \t\r\n\f\v\ufeff]+|//[^\n]*|/\*.*?\*/)"
    r'|(?P<str>"(?:[^"\\]|\\.)*")'
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_$.]*(?:" + _BLANK + r"\[" + _BLANK + r"[0-9][A-Za-z0-9_]*" + _BLANK + r"\])?)"
    r"|(?P<num>[0-9][A-Za-z0-9_]*)"
    r"|(?P<op>->|[;,=()&|^~])", re.S)


def _gc_number(s):
    s = s.replace("_", "")
    try:
        return int(s, 16) if s[:2] in ("0x", "0X") else int(s, 2) if s[:2] in ("0b", "0B") else int(s, 10)
    except ValueError:
        fail(f"circuit text: bad number {s}")


def _gc_tokens(text):
    out, i = [], 0
    while i < len(text):
        m = _GC_TOKEN.match(text, i)
        if not m:
            fail(f"circuit text: unexpected {text[i:i + 10]!r}")
        if m.lastgroup != "skip":
            out.append((m.lastgroup, m.group()))
        i = m.end()
    return out


class GcCircuit:
    """The `circuit` text of a positional model (docs/gc-format.md), evaluated by name: input
    groups and output groups in declaration order, and every assignment in text order."""

    def __init__(self, text):
        self.toks, self.i = _gc_tokens(text), 0
        self.inputs, self.outputs, self.groups = [], [], {}   # [(name, width)], name -> width
        self.assign = []                                      # [(wire name, expression)]
        while self.i < len(self.toks):
            self.statement()

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def take(self, want=None):
        kind, s = self.peek()
        if kind is None or (want is not None and s != want):
            fail(f"circuit text: expected {want or 'more'}, found {s!r}")
        self.i += 1
        return kind, s

    def statement(self):
        kind, s = self.peek()
        if kind == "name" and s in ("circuit", "test"):
            while self.take()[1] != ";":
                pass
        elif kind == "name" and s in ("input", "output"):
            self.take()
            while True:
                base, idx = self.split(self.take()[1])
                width = 1 if idx is None else idx
                (self.inputs if s == "input" else self.outputs).append((base, width))
                self.groups[base] = width
                if self.take()[1] == ";":
                    break
        else:
            if kind != "name":
                fail(f"circuit text: expected a statement, found {s!r}")
            lhs = self.wire(self.take()[1])
            self.take("=")
            self.assign.append((lhs, self.expr()))
            self.take(";")

    @staticmethod
    def split(name):
        m = re.fullmatch(r"([^\s\[]+)\s*(?:\[\s*(\S+?)\s*\])?", name)
        return m.group(1), None if m.group(2) is None else _gc_number(m.group(2))

    def wire(self, name):
        """The canonical name of a wire: group bits as g[k] (a 1-bit group's bare name is g[0])."""
        base, idx = self.split(name)
        if base in self.groups:
            if idx is None:
                if self.groups[base] != 1:
                    fail(f"circuit text: the bare name {base} of a {self.groups[base]}-bit group")
                idx = 0
            return f"{base}[{idx}]"
        return base if idx is None else f"{base}[{idx}]"

    def expr(self):
        return self.binary(0)

    def binary(self, level):
        ops = ("|", "^", "&")
        if level == 3:
            return self.unary()
        e = self.binary(level + 1)
        while self.peek()[1] == ops[level]:
            self.take()
            e = (ops[level], e, self.binary(level + 1))
        return e

    def unary(self):
        if self.peek()[1] == "~":
            self.take()
            return ("~", self.unary())
        kind, s = self.take()
        if kind == "num":
            v = _gc_number(s)
            if v not in (0, 1):
                fail(f"circuit text: constant {s} is not 0 or 1")
            return ("const", v)
        if s == "(":
            e = self.expr()
            self.take(")")
            return e
        if kind == "name" and s in GC_GATES and self.peek()[1] == "(":
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.expr())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return ("call", s, args)
        if kind != "name":
            fail(f"circuit text: unexpected {s!r}")
        return ("wire", self.wire(s))

    def input_names(self):
        return [f"{g}[{k}]" for g, w in self.inputs for k in range(w)]

    def output_names(self):
        return [f"{g}[{k}]" for g, w in self.outputs for k in range(w)]

    def gate_names(self):
        """Wire names of the gates in order: every assignment that is not an alias (a plain name)."""
        return [lhs for lhs, e in self.assign if e[0] != "wire"]

    def evaluate(self, bits):
        """Every named wire's value for input bits (a sequence of 0/1, wire k = bit k)."""
        val = dict(zip(self.input_names(), bits))
        expr = dict(self.assign)

        def ev(e):
            op = e[0]
            if op == "const":
                return e[1]
            if op == "wire":
                if e[1] not in val:
                    if e[1] not in expr:
                        fail(f"circuit text: the wire {e[1]} is never assigned")
                    val[e[1]] = ev(expr[e[1]])
                return val[e[1]]
            if op == "~":
                return 1 - ev(e[1])
            if op in ("&", "|", "^"):
                a, b = ev(e[1]), ev(e[2])
                return a & b if op == "&" else a | b if op == "|" else a ^ b
            name, xs = e[1], [ev(x) for x in e[2]]
            if name == "CONST0":
                return 0
            if name == "CONST1":
                return 1
            if not xs or (name in ("NOT", "BUF") and len(xs) != 1):
                fail(f"circuit text: {name} with {len(xs)} inputs")
            base = {"AND": min(xs), "OR": max(xs), "XOR": sum(xs) % 2, "BUF": xs[0]}
            pos = {"NAND": "AND", "NOR": "OR", "XNOR": "XOR", "NOT": "BUF"}
            return base[name] if name in base else 1 - base[pos[name]]

        for lhs, e in self.assign:                             # text order: operands come first
            if lhs not in val:
                val[lhs] = ev(e)
        return val


# ---- direct evaluation: a uniform model's circuit, cvp text ---------------------------------

CVP_ARITY = {"TRUE": 0, "FALSE": 0, "NOT": 1, "BUF": 1, "AND": 2, "OR": 2, "XOR": 2, "NAND": 2, "NOR": 2, "XNOR": 2}
CVP_GATES = {
    "TRUE": lambda a, b: 1, "FALSE": lambda a, b: 0, "NOT": lambda a, b: 1 - a, "BUF": lambda a, b: a,
    "AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "XOR": lambda a, b: a ^ b,
    "NAND": lambda a, b: 1 - (a & b), "NOR": lambda a, b: 1 - (a | b), "XNOR": lambda a, b: 1 - (a ^ b),
}


def parse_cvp(text):
    """The cvp words, the descriptions (type, in1, in2) of wires 1..W (operand ids, 0 for NA),
    and the output ids ('# output' lines, else the last description)."""
    words, outputs = [], []
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("#"):
            c = line[1:].split()
            if c[:1] == ["output"]:
                if len(c) < 3 or not all(re.fullmatch(r"[0-9]+", k) for k in c[2:]):
                    fail(f"bad output line: {line}")
                outputs += [int(k) for k in c[2:]]
        else:
            words += line.split()
    if not words or len(words) % 4:
        fail(f"the circuit has {len(words)} tokens: it must be groups of four, TYPE in1 in2 id")
    wires = []
    for i in range(0, len(words), 4):
        k = i // 4 + 1
        typ, x, y, wid = words[i:i + 4]
        if typ not in CVP_ARITY:
            fail(f"description {k}: unknown type {typ}")
        if wid != str(k):
            fail(f"description {k} ends in {wid}, expected its id {k}")
        ops = []
        for j, tok in ((1, x), (2, y)):
            if j > CVP_ARITY[typ]:
                if tok != "NA":
                    fail(f"description {k}: {typ} takes {CVP_ARITY[typ]} operand(s), in{j} must be NA")
                ops.append(0)
            elif not re.fullmatch(r"[0-9]+", tok) or not 1 <= int(tok) < k:
                fail(f"description {k}: in{j} must be an earlier id, found {tok}")
            else:
                ops.append(int(tok))
        wires.append((typ, ops[0], ops[1]))
    for k in outputs:
        if not 1 <= k <= len(wires):
            fail(f"output id {k} is not a wire 1..{len(wires)}")
    return words, wires, outputs or [len(wires)]


def cvp_values(wires):
    """value[k] of wire k = 1..W (value[0] unused), and depth[k] (a constant has depth 1)."""
    value, depth = [0], [0]
    for typ, x, y in wires:
        value.append(CVP_GATES[typ](value[x], value[y]))
        depth.append(1 + max(depth[x], depth[y]))
    return value, depth


# ---- runs: prompts, readout and what direct evaluation predicts ---------------------------

class Run:
    """One sequence to run: its prompt, how many tokens to generate, where the outputs are read,
    and what direct evaluation predicts (the whole sequence for a CoT model; the argmax at each
    wire position for a latent one)."""

    def __init__(self, label, prompt, steps, outputs, direct, expect):
        self.label, self.prompt, self.steps = label, prompt, steps
        self.outputs, self.direct, self.expect = outputs, direct, expect   # expect: {position: token}


def token(vocab, s):
    if s not in vocab:
        fail(f"the vocabulary lacks the token {s}")
    return vocab.index(s)


def model_mode(meta):
    version = meta.get("format_version")
    if version == 1:
        return "positional"
    if version != 2:
        fail(f"unsupported format_version {version}")
    mode = meta.get("mode")
    if mode not in ("positional", "uniform"):
        fail(f"unknown model mode {mode!r}")
    construction = meta.get("construction", "cot")
    if construction not in ("cot", "looped", "looped-cot", "deep"):
        fail(f"unknown construction {construction!r}: this script knows cot, looped, looped-cot and deep")
    if meta.get("readout", "token") not in ("token", "argmax"):
        fail(f"unknown readout {meta.get('readout')!r}")
    return mode


def input_vectors(n, opts):
    """The input bit strings of a positional model's runs."""
    runs = list(opts["bits"])
    for b in runs:
        if len(b) != n:
            fail(f"--bits {b} has {len(b)} bits, the circuit has {n} inputs")
    if opts["all"]:
        if n > 16:
            fail(f"--all: the circuit has {n} inputs, 2^{n} runs are too many (use --random N)")
        runs += [format(x, f"0{n}b")[::-1] if n else "" for x in range(1 << n)]
    rng = random.Random(opts["seed"])
    runs += ["".join(rng.choice("01") for _ in range(n)) for _ in range(opts["random"])]
    if not runs:
        runs = [format(x, f"0{n}b")[::-1] if n else "" for x in range(1 << n)] if n <= 3 else \
            ["".join(rng.choice("01") for _ in range(n)) for _ in range(8)]
    return runs


def positional_runs(meta, opts):
    for key in ("prompt", "cot_length", "outputs", "circuit"):
        if key not in meta:
            fail(f"the metadata lacks {key}")
    vocab = meta["vocab"]
    gc = GcCircuit(meta["circuit"])
    n, gates = len(gc.input_names()), gc.gate_names()
    if (n, len(gates)) != (meta.get("n_inputs", n), meta.get("n_gates", len(gates))):
        fail(f"the stored circuit has {n} inputs and {len(gates)} gates, the metadata says {meta.get('n_inputs')} and {meta.get('n_gates')}")
    latent = meta.get("readout", "token") == "argmax"
    runs = []
    for bits in input_vectors(n, opts):
        val = gc.evaluate([int(c) for c in bits])
        wires = [val[w] for w in gc.input_names() + gates]              # wire k's value

        def resolve(e, prefix):
            if isinstance(e, int):
                return e
            m = re.fullmatch(prefix + r"(\d+)", str(e))
            if not m or int(m.group(1)) >= len(wires):
                fail(f"bad sequence entry {e!r}")
            return token(vocab, str(wires[int(m.group(1))]))

        prompt = [resolve(e, "x") for e in meta["prompt"]]
        direct = "".join(str(val[o]) for o in gc.output_names())
        if latent:   # the argmax at position 1 + w is wire w's value
            expect = {1 + w: token(vocab, str(v)) for w, v in enumerate(wires)}
        else:        # the whole chain of thought
            full = prompt + [resolve(e, "w") for e in meta.get("cot_template", [])]
            expect = {p: t for p, t in enumerate(full) if p >= len(prompt)}
        runs.append(Run(f"bits {bits}", prompt, 0 if latent else meta["cot_length"], meta["outputs"], direct, expect))
    return runs


def uniform_runs(meta, opts):
    if opts["circuit"] is None:
        fail(f"a uniform model (capacity {meta.get('capacity')} wires) needs --circuit FILE.cvp")
    try:
        with open(opts["circuit"], encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {opts['circuit']}: {getattr(e, 'strerror', None) or e}")
    words, wires, out_ids = parse_cvp(text)
    W = len(wires)
    if isinstance(meta.get("capacity"), int) and W > meta["capacity"]:
        fail(f"the circuit has {W} wires, the model's capacity is {meta['capacity']}")
    vocab = meta["vocab"]
    prompt = [token(vocab, "<bos>")] + [token(vocab, "#" + w if w.isdigit() else w) for w in words]
    P = len(prompt)
    value, depth = cvp_values(wires)
    direct = "".join(str(value[k]) for k in out_ids)
    v = lambda k: token(vocab, str(value[k]))                             # noqa: E731
    na = token(vocab, "NA")
    if meta.get("readout", "token") == "argmax":   # uniform looped: wire k's value is the argmax at 4k
        run = Run(f"circuit {opts['circuit']}", prompt, 0, [4 * k for k in out_ids], direct, {4 * k: v(k) for k in range(1, W + 1)})
        run.loops = max(depth)                                           # the circuit's depth
        return [run]
    expect = {}
    for k, (_, x, y) in enumerate(wires, start=1):
        p = P + 4 * (k - 1)
        expect.update({p: token(vocab, f"#{k}"), p + 1: v(x) if x else na, p + 2: v(y) if y else na, p + 3: v(k)})
    return [Run(f"circuit {opts['circuit']}", prompt, 4 * W, [P + 4 * (k - 1) + 3 for k in out_ids], direct, expect)]


def plan_runs(meta, opts):
    """Runs for a model: positional (opts bits/random/all) or uniform (opts circuit)."""
    mode = model_mode(meta)
    if mode == "positional":
        if opts["circuit"] is not None:
            fail("a positional model runs its own circuit: give --bits (or nothing), not --circuit")
        return positional_runs(meta, opts)
    if opts["bits"] or opts["random"] or opts["all"]:
        fail("a uniform model takes no --bits/--random/--all: fold the inputs into the cvp text as TRUE/FALSE")
    return uniform_runs(meta, opts)


# ---- checking ----------------------------------------------------------------------------

def answer(vocab, seq, positions):
    """Output bits read at `positions` of a token (or argmax) sequence; ? where no value."""
    out = []
    for p in positions:
        if not isinstance(p, int) or not 0 <= p < len(seq):
            fail(f"output position {p} is outside the sequence")
        t = vocab[seq[p]]
        out.append(t if t in ("0", "1") else "?")
    return "".join(out)


def check(vocab, run, seq, latent):
    """(ok, message): the outputs against direct evaluation, and every expected position."""
    got = answer(vocab, seq, run.outputs)
    bad = [p for p in sorted(run.expect) if seq[p] != run.expect[p]]
    what = "wire positions" if latent else "CoT tokens"
    if got == run.direct and not bad:
        return True, f"ok: outputs equal direct evaluation, all {len(run.expect)} {what} as expected"
    first = ""
    if bad:
        p = bad[0]
        first = f"; {len(bad)} of {len(run.expect)} {what} differ, first at position {p}: {vocab[seq[p]]!r} where {vocab[run.expect[p]]!r} was expected"
    return False, f"FAILED: outputs {got}, direct evaluation {run.direct}{first}"


def describe(meta):
    mode = model_mode(meta)
    c = meta.get("construction", "cot")
    kind = f"{mode}" + (f" {c} (no CoT)" if c != "cot" else f", {meta.get('cot', '4tok')} CoT")
    lp = meta.get("loop")
    loop = f", layers {lp['start']}..{lp['end'] - 1} looped {lp['count']} times ({lp.get('count_is')})" if lp else ""
    return f"{kind}, {meta['n_layers']} stored layer(s), heads {meta['heads']}, d_model {meta.get('d_model')}, vocab {len(meta['vocab'])}{loop}"


def run_onnx(path, finals, argmaxes, loops):
    """Compares onnxruntime's argmax with ours at every position of the final sequences."""
    try:
        import onnxruntime as ort
    except ImportError:
        print(f"skip: onnxruntime is not importable here (pip install onnxruntime): {path} was not run")
        return True
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    # gatecot's `loops` input has a default (an initializer of the same name): onnxruntime lists it
    # among the overridable initializers, not the inputs, and it must be fed to run the circuit's depth.
    ins = sess.get_inputs()
    ins = ins + [i for i in sess.get_overridable_initializers() if i.name not in {x.name for x in ins}]
    feed = {ins[0].name: np.array(finals, dtype=np.int64)}
    for extra in ins[1:]:
        if "loop" in extra.name.lower() and loops is not None:
            feed[extra.name] = np.array(loops, dtype=np.int64)
        else:
            print(f"skip: {path} has an input {extra.name} this script does not know")
            return True
    outs = sess.run(None, feed)
    logits = next((o for o in outs if np.ndim(o) == 3), None)
    if logits is None:
        fail(f"{path}: no output of shape [B, S, V]")
    ours = np.array(argmaxes)
    theirs = np.argmax(logits, axis=2)
    diff = np.argwhere(theirs != ours)
    if len(diff):
        b, p = diff[0]
        print(f"onnx: FAILED: {len(diff)} positions differ, first run {b + 1} position {p}")
        return False
    print(f"onnx: ok: onnxruntime's argmax equals this script's at all {ours.size} positions")
    return True


# ---- command line ------------------------------------------------------------------------

USAGE = "usage: run_model.py MODEL.safetensors [--bits B ...] [--random N] [--seed S] [--all] [--circuit X.cvp] [--loops K] [--dtype float32|float64] [--onnx M.onnx] [--quiet]"


def parse_args(argv, usage=USAGE, doc=__doc__, choices=None):
    """The options above; `choices` adds options of a fixed set of values ({name: (default, ...)})."""
    choices = choices or {}
    opts = {"model": None, "bits": [], "random": 0, "seed": 1, "all": False, "circuit": None,
            "loops": None, "dtype": "float32", "onnx": None, "quiet": False}
    opts.update({k: v[0] for k, v in choices.items()})
    valued = {"bits", "random", "seed", "circuit", "loops", "dtype", "onnx", *choices}
    i = 0
    while i < len(argv):
        a = argv[i]
        m = re.fullmatch(r"--([a-z]+)(?:=(.*))?", a, re.S)
        if m and m.group(1) in valued:
            if m.group(2) is not None:
                v = m.group(2)
            elif i + 1 < len(argv):
                i += 1
                v = argv[i]
            else:
                fail(f"--{m.group(1)} needs a value")
            key = m.group(1)
            if key == "bits":
                if not re.fullmatch(r"[01]*", v):
                    fail(f"--bits must be a string of 0 and 1, got {v!r}")
                opts["bits"].append(v)
            elif key in ("random", "seed", "loops"):
                if not re.fullmatch(r"[0-9]+", v) or (key == "loops" and int(v) < 1):
                    fail(f"--{key} must be a whole number{' of at least 1' if key == 'loops' else ''}, got {v!r}")
                opts[key] = int(v)
            elif key == "dtype" or key in choices:
                allowed = choices.get(key, ("float32", "float64"))
                if v not in allowed:
                    fail(f"--{key} must be {' or '.join(allowed)}, got {v!r}")
                opts[key] = v
            else:
                opts[key] = v
        elif a in ("--all", "--quiet"):
            opts[a[2:]] = True
        elif a in ("-h", "--help"):
            print(doc)
            sys.exit(0)
        elif a.startswith("-"):
            fail(f"unknown option {a}")
        elif opts["model"] is None:
            opts["model"] = a
        else:
            fail(f"unexpected argument {a}")
        i += 1
    if opts["model"] is None:
        fail(usage)
    return opts


def main(argv):
    opts = parse_args(argv)
    tensors, meta = load_model(opts["model"])
    runs = plan_runs(meta, opts)
    latent = meta.get("readout", "token") == "argmax"
    loops = opts["loops"] if opts["loops"] is not None else getattr(runs[0], "loops", None)
    applied = applied_layers(meta, loops)
    net = Net(tensors, meta, np.float64 if opts["dtype"] == "float64" else np.float32)
    vocab = meta["vocab"]
    print(f"model: {opts['model']}: {describe(meta)}")
    if meta.get("loop"):
        print(f"loops: {applied.count(meta['loop']['start'])} ({'given' if opts['loops'] is not None else 'the circuit depth' if loops is not None else 'the model count'}), {len(applied)} layers applied")
    if latent:
        seqs = [r.prompt for r in runs]
        answers = argmax_all(net, applied, seqs).tolist()
        finals = seqs
    else:
        finals = generate(net, applied, [r.prompt for r in runs], runs[0].steps).tolist()
        answers = finals
    agree = 0
    for r, seq, ans in zip(runs, finals, answers):
        ok, msg = check(vocab, r, ans, latent)
        agree += ok
        print(f"run: {r.label}")
        if not opts["quiet"] or not ok:
            print("tokens: " + " ".join(map(str, seq)))
            if latent:
                print("argmax: " + " ".join(map(str, ans)))
        print(f"outputs: {answer(vocab, ans, r.outputs)}")
        print(f"direct: {r.direct}")
        print(f"check: {msg}")
    onnx_ok = True
    if opts["onnx"]:
        full = argmax_all(net, applied, finals).tolist() if not latent else answers
        onnx_ok = run_onnx(opts["onnx"], finals, full, loops if meta.get("loop") else None)
    print(f"agree: {agree}/{len(runs)} runs {'agree' if agree == len(runs) else 'do NOT all agree'} with direct evaluation")
    return 0 if agree == len(runs) and onnx_ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except (ValueError, KeyError, TypeError, IndexError, RecursionError, MemoryError) as e:
        print(f"error: the model file does not follow docs/model-format.md ({type(e).__name__}: {e})", file=sys.stderr)
        sys.exit(2)
