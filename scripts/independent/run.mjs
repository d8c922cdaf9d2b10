// Independent runner for gatecot model files, written from docs/model-format.md only (no
// gatecot code). Node 20, ESM, Node built-ins only. Arithmetic in float64, one position at a
// time with a key/value cache (O(L^2 * d) per head overall).
//
//   node scripts/independent/run.mjs MODEL.safetensors --bits 0110...    a positional model
//   node scripts/independent/run.mjs MODEL.safetensors --circuit X.cvp   a uniform model
//
// Positional (format_version 1 or 2): --bits gives every input wire, character k = wire k.
// Uniform (format_version 2): X.cvp is a circuit in the cvp text format with its inputs folded
// in as TRUE/FALSE descriptions (`gatecot convert C -o X.cvp --bits B`); the runner builds the
// prompt from it, generates 4W tokens, and also evaluates the cvp text itself.
// Prints   tokens: ID ID ...     the whole sequence (prompt and generated CoT)
//          outputs: BITS         the output bits the model wrote (? where the token is no value)
//          direct: BITS          uniform only: the outputs of the runner's own evaluation
// Exit 0; 1 when a uniform model's outputs differ from direct evaluation; 2 on bad input.
import { readFileSync } from "node:fs";
import process from "node:process";

class UsageError extends Error {}

function fail(msg) {
  throw new UsageError(msg);
}

const USAGE = "usage: run.mjs MODEL.safetensors (--bits 0110... | --circuit FILE.cvp)";

function parseArgs(argv) {
  let model = null;
  const opts = { bits: null, circuit: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(bits|circuit)(?:=(.*))?$/.exec(a);
    if (m) {
      if (m[2] !== undefined) opts[m[1]] = m[2];
      else if (i + 1 < argv.length) opts[m[1]] = argv[++i];
      else fail(`--${m[1]} needs a value`);
    } else if (a.startsWith("--")) {
      fail(`unknown option ${a}`);
    } else if (model === null) {
      model = a;
    } else {
      fail(`unexpected argument ${a}`);
    }
  }
  if (model === null) fail(USAGE);
  if (opts.bits !== null && !/^[01]*$/.test(opts.bits)) fail("--bits must be a string of 0 and 1");
  return { model, ...opts };
}

// ---- container -------------------------------------------------------------------------

function load(path) {
  let raw;
  try {
    raw = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${e.message}`);
  }
  if (raw.length < 8) fail("file too short for a safetensors header");
  const n = raw.readBigUInt64LE(0);
  if (n > BigInt(raw.length - 8)) fail("header length exceeds file size");
  const N = Number(n);
  let header;
  try {
    header = JSON.parse(raw.subarray(8, 8 + N).toString("utf8"));
  } catch (e) {
    fail(`bad JSON header: ${e.message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail("header is not a JSON object");
  const md = header.__metadata__;
  if (!md || typeof md.gatecot !== "string") fail("no __metadata__.gatecot in header");
  let meta;
  try {
    meta = JSON.parse(md.gatecot);
  } catch (e) {
    fail(`bad gatecot metadata JSON: ${e.message}`);
  }
  const base = 8 + N;
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (info.dtype !== "F32") fail(`tensor ${name}: unsupported dtype ${info.dtype}`);
    const shape = info.shape;
    const [b, e] = info.data_offsets;
    const count = shape.reduce((x, y) => x * y, 1);
    if (e - b !== count * 4) fail(`tensor ${name}: data_offsets do not match shape`);
    if (base + e > raw.length || b < 0) fail(`tensor ${name}: data outside the file`);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = raw.readFloatLE(base + b + 4 * i);
    tensors[name] = { shape, data };
  }
  return { tensors, meta };
}

function need(t, name, rank) {
  const x = t[name];
  if (!x) fail(`missing tensor ${name}`);
  if (x.shape.length !== rank) fail(`tensor ${name}: expected rank ${rank}`);
  return x;
}

// y = W @ x for W [rows, cols] row-major, x length cols
function matvec(W, x, out) {
  const [rows, cols] = W.shape;
  const w = W.data;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += w[o + c] * x[c];
    out[r] = s;
  }
  return out;
}

// ---- model -------------------------------------------------------------------------------

// The model's weights and a key/value cache for sequences of up to maxLen tokens.
function buildModel(t, meta, maxLen) {
  const d = meta.d_model;
  const tokEmb = need(t, "tok_emb", 2);
  const posEmb = need(t, "pos_emb", 2);
  const unembed = need(t, "unembed", 2);
  if (tokEmb.shape[1] !== d || posEmb.shape[1] !== d || unembed.shape[1] !== d) fail("embedding width differs from d_model");
  const V = tokEmb.shape[0];
  if (unembed.shape[0] !== V) fail("unembed rows differ from vocabulary size");
  if (!Array.isArray(meta.heads) || meta.heads.length !== meta.n_layers) fail("heads must list one count per layer");
  if (posEmb.shape[0] < maxLen) fail(`pos_emb has ${posEmb.shape[0]} positions, the sequence needs ${maxLen}`);
  const layers = [];
  for (let l = 0; l < meta.n_layers; l++) {
    const heads = [];
    for (let h = 0; h < meta.heads[l]; h++) {
      const p = `layers.${l}.attn.${h}.`;
      const wq = need(t, p + "w_q", 2), wk = need(t, p + "w_k", 2);
      const wv = need(t, p + "w_v", 2), wo = need(t, p + "w_o", 2);
      const dk = wq.shape[0], dv = wv.shape[0];
      if (wq.shape[1] !== d || wk.shape[1] !== d || wv.shape[1] !== d || wk.shape[0] !== dk || wo.shape[0] !== d || wo.shape[1] !== dv)
        fail(`head ${l}.${h}: inconsistent shapes`);
      const cap = maxLen;
      heads.push({
        wq, wk, wv, wo, dk, dv,
        K: new Float64Array(cap * dk), Vc: new Float64Array(cap * dv), // key/value cache
        q: new Float64Array(dk), a: new Float64Array(dv), s: new Float64Array(cap),
      });
    }
    const f = `layers.${l}.ff.`;
    const w1 = need(t, f + "w1", 2), b1 = need(t, f + "b1", 1), w2 = need(t, f + "w2", 2), b2 = need(t, f + "b2", 1);
    const m = w1.shape[0];
    if (w1.shape[1] !== d || b1.shape[0] !== m || w2.shape[0] !== d || w2.shape[1] !== m || b2.shape[0] !== d)
      fail(`layer ${l} feed-forward: inconsistent shapes`);
    layers.push({ heads, w1, b1, w2, b2, m });
  }
  return { d, V, tokEmb, posEmb, unembed, layers, maxLen, len: 0 };
}

// Append token x at the next position; return the logits at that position.
function step(model, x) {
  const { d, tokEmb, posEmb, unembed, layers } = model;
  const i = model.len;
  if (x < 0 || x >= model.V) fail(`token id ${x} out of range`);
  if (i >= model.maxLen) fail(`position ${i} beyond the ${model.maxLen} positions planned`);
  let h = new Float64Array(d);
  for (let c = 0; c < d; c++) h[c] = tokEmb.data[x * d + c] + posEmb.data[i * d + c];
  for (const layer of layers) {
    const add = new Float64Array(d);
    for (const hd of layer.heads) {
      const { dk, dv, K, Vc } = hd;
      const q = matvec(hd.wq, h, hd.q);
      matvec(hd.wk, h, K.subarray(i * dk, (i + 1) * dk));
      matvec(hd.wv, h, Vc.subarray(i * dv, (i + 1) * dv));
      const n = i + 1; // causal: positions 0..i
      const s = hd.s;
      let mx = -Infinity;
      for (let j = 0, o = 0; j < n; j++, o += dk) {
        let v = 0;
        for (let c = 0; c < dk; c++) v += q[c] * K[o + c];
        s[j] = v;
        if (v > mx) mx = v;
      }
      let z = 0;
      for (let j = 0; j < n; j++) {
        const u = s[j] - mx;
        const e = u < -746 ? 0 : Math.exp(u); // exp(u) underflows to exactly 0 below about -745.2
        s[j] = e;
        z += e;
      }
      const a = hd.a.fill(0);
      for (let j = 0, o = 0; j < n; j++, o += dv) {
        const w = s[j] / z;
        if (w === 0) continue;
        for (let c = 0; c < dv; c++) a[c] += w * Vc[o + c];
      }
      const o = matvec(hd.wo, a, new Float64Array(d));
      for (let c = 0; c < d; c++) add[c] += o[c];
    }
    for (let c = 0; c < d; c++) h[c] += add[c];
    const u = matvec(layer.w1, h, new Float64Array(layer.m));
    for (let r = 0; r < layer.m; r++) u[r] = Math.max(u[r] + layer.b1.data[r], 0);
    const f = matvec(layer.w2, u, new Float64Array(d));
    for (let c = 0; c < d; c++) h[c] += f[c] + layer.b2.data[c];
  }
  model.len++;
  return matvec(unembed, h, new Float64Array(model.V));
}

function argmax(v) {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[best]) best = k; // ties -> lowest id
  return best;
}


// ---- cvp text (docs/model-format.md, "From cvp text") -----------------------------------

const ARITY = { TRUE: 0, FALSE: 0, NOT: 1, BUF: 1, AND: 2, OR: 2, XOR: 2, NAND: 2, NOR: 2, XNOR: 2 };

// The descriptions [type, in1, in2] (operand ids, 0 for NA) of wires 1..W, and the output ids.
function parseCvp(text) {
  const words = [];
  const outputs = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) {
      const c = line.slice(1).trim().split(/\s+/);
      if (c[0] !== "output") continue;
      if (c.length < 3) fail(`'# output' needs a name and ids: ${line}`);
      for (const id of c.slice(2)) {
        if (!/^[0-9]+$/.test(id)) fail(`bad output id ${id}`);
        outputs.push(Number(id));
      }
    } else if (line !== "") {
      words.push(...line.split(/\s+/));
    }
  }
  if (words.length === 0 || words.length % 4 !== 0) fail(`the circuit has ${words.length} tokens: it must be groups of four, TYPE in1 in2 id`);
  const wires = [];
  for (let i = 0; i < words.length; i += 4) {
    const k = i / 4 + 1;
    const [type, x, y, id] = words.slice(i, i + 4);
    const ar = ARITY[type];
    if (ar === undefined) fail(`description ${k}: unknown type ${type}`);
    if (id !== String(k)) fail(`description ${k} ends in ${id}, expected its id ${k}`);
    const operand = (tok, n) => {
      if (n > ar) {
        if (tok !== "NA") fail(`description ${k}: ${type} takes ${ar} operand(s), in${n} must be NA`);
        return 0;
      }
      if (!/^[0-9]+$/.test(tok) || Number(tok) < 1 || Number(tok) >= k) fail(`description ${k}: in${n} must be an earlier id, found ${tok}`);
      return Number(tok);
    };
    wires.push([type, operand(x, 1), operand(y, 2)]);
  }
  const W = wires.length;
  for (const k of outputs) if (k < 1 || k > W) fail(`output id ${k} is not a wire 1..${W}`);
  return { words, wires, outputs: outputs.length > 0 ? outputs : [W] };
}

// Direct evaluation: value[k] of wire k = 1..W.
function evaluate(wires) {
  const value = [0];
  for (const [type, x, y] of wires) {
    const a = value[x], b = value[y];
    const v = {
      TRUE: 1, FALSE: 0, NOT: 1 - a, BUF: a, AND: a & b, OR: a | b, XOR: a ^ b,
      NAND: 1 - (a & b), NOR: 1 - (a | b), XNOR: 1 - (a ^ b),
    }[type];
    value.push(v);
  }
  return value;
}

// ---- main --------------------------------------------------------------------------------

function tokenIndex(vocab, tok) {
  const i = vocab.indexOf(tok);
  if (i < 0) fail(`the vocabulary lacks the token ${tok}`);
  return i;
}

// Positional: the prompt template with "x<k>" replaced by the value token of input bit k.
function positionalPrompt(meta, bits) {
  if (bits === null) fail("a positional model needs --bits");
  for (const key of ["prompt", "cot_length", "outputs"]) if (meta[key] === undefined) fail(`metadata lacks ${key}`);
  if (typeof meta.n_inputs === "number" && bits.length !== meta.n_inputs)
    fail(`--bits has ${bits.length} bits, the circuit has ${meta.n_inputs} inputs`);
  const prompt = meta.prompt.map((e) => {
    if (typeof e === "number") return e;
    const mt = /^x(\d+)$/.exec(String(e));
    if (!mt) fail(`bad prompt entry ${JSON.stringify(e)}`);
    const k = Number(mt[1]);
    if (k >= bits.length) fail(`prompt refers to input wire ${k}, only ${bits.length} bits given`);
    return tokenIndex(meta.vocab, bits[k]);
  });
  return { prompt, cot: meta.cot_length, outputs: meta.outputs, direct: null };
}

// Uniform: <bos>, then the cvp tokens (a number k becomes "#k"); 4W tokens to generate; wire k's
// value at P + 4(k - 1) + 3.
function uniformPrompt(meta, circuitPath) {
  if (circuitPath === null) fail("a uniform model needs --circuit FILE.cvp");
  let text;
  try {
    text = readFileSync(circuitPath, "utf8");
  } catch (e) {
    fail(`cannot read ${circuitPath}: ${e.message}`);
  }
  const { words, wires, outputs } = parseCvp(text);
  const W = wires.length;
  if (typeof meta.capacity === "number" && W > meta.capacity) fail(`the circuit has ${W} wires, the model's capacity is ${meta.capacity}`);
  const prompt = [tokenIndex(meta.vocab, "<bos>"), ...words.map((w) => tokenIndex(meta.vocab, /^[0-9]+$/.test(w) ? `#${w}` : w))];
  const P = prompt.length;
  const value = evaluate(wires);
  return { prompt, cot: 4 * W, outputs: outputs.map((k) => P + 4 * (k - 1) + 3), direct: outputs.map((k) => value[k]).join("") };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const { tensors, meta } = load(args.model);
  if (!Array.isArray(meta.vocab)) fail("metadata has no vocab array");
  let mode;
  if (meta.format_version === 1) mode = "positional";
  else if (meta.format_version === 2) mode = meta.mode;
  else fail(`unsupported format_version ${meta.format_version}`);
  let run;
  if (mode === "positional") {
    if (args.circuit !== null) fail("a positional model runs its own circuit: give --bits, not --circuit");
    run = positionalPrompt(meta, args.bits);
  } else if (mode === "uniform") {
    if (args.bits !== null) fail("a uniform model takes no --bits: fold the inputs into the cvp text as TRUE/FALSE");
    run = uniformPrompt(meta, args.circuit);
  } else fail(`unknown model mode ${JSON.stringify(mode)}`);

  const seq = [...run.prompt];
  if (seq.length === 0) fail("empty prompt");
  const model = buildModel(tensors, meta, seq.length + run.cot);
  let logits = null;
  for (const x of seq) logits = step(model, x);
  for (let s = 0; s < run.cot; s++) {
    const next = argmax(logits);
    seq.push(next);
    if (s + 1 < run.cot) logits = step(model, next);
  }
  if (mode === "positional" && typeof meta.seq_len === "number" && seq.length !== meta.seq_len)
    fail(`generated ${seq.length} tokens, seq_len says ${meta.seq_len}`);

  let out = "";
  for (const p of run.outputs) {
    if (!Number.isInteger(p) || p < 0 || p >= seq.length) fail(`output position ${p} out of range`);
    const tok = meta.vocab[seq[p]];
    if (tok !== "0" && tok !== "1") process.stderr.write(`warning: output position ${p} holds token ${JSON.stringify(tok)}, not a value\n`);
    out += tok === "0" || tok === "1" ? tok : "?";
  }
  process.stdout.write(`tokens: ${seq.join(" ")}\noutputs: ${out}\n`);
  if (run.direct !== null) {
    process.stdout.write(`direct: ${run.direct}\n`);
    if (out !== run.direct) {
      process.stderr.write("the model's outputs differ from direct evaluation\n");
      process.exitCode = 1;
    }
  }
}

try {
  main();
} catch (e) {
  const msg = e instanceof UsageError ? e.message : `internal error: ${e && e.message ? e.message : e}`;
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}
