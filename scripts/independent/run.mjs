// Independent runner for gatecot model files, written from docs/model-format.md only.
// Usage: node scripts/independent/run.mjs MODEL.safetensors --bits 0110...
// Node 20, ESM, Node built-ins only. Arithmetic in float64, one position at a time with a
// key/value cache (O(L^2 * d) per head overall).
import { readFileSync } from "node:fs";
import process from "node:process";

class UsageError extends Error {}

function fail(msg) {
  throw new UsageError(msg);
}

function parseArgs(argv) {
  let model = null;
  let bits = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--bits") {
      if (i + 1 >= argv.length) fail("--bits needs a value");
      bits = argv[++i];
    } else if (a.startsWith("--bits=")) {
      bits = a.slice("--bits=".length);
    } else if (a.startsWith("--")) {
      fail(`unknown option ${a}`);
    } else if (model === null) {
      model = a;
    } else {
      fail(`unexpected argument ${a}`);
    }
  }
  if (model === null) fail("usage: run.mjs MODEL.safetensors --bits 0110...");
  if (bits === null) fail("missing --bits");
  if (!/^[01]*$/.test(bits)) fail("--bits must be a string of 0 and 1");
  return { model, bits };
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

function buildModel(t, meta) {
  const d = meta.d_model;
  const tokEmb = need(t, "tok_emb", 2);
  const posEmb = need(t, "pos_emb", 2);
  const unembed = need(t, "unembed", 2);
  if (tokEmb.shape[1] !== d || posEmb.shape[1] !== d || unembed.shape[1] !== d) fail("embedding width differs from d_model");
  const V = tokEmb.shape[0];
  if (unembed.shape[0] !== V) fail("unembed rows differ from vocabulary size");
  if (!Array.isArray(meta.heads) || meta.heads.length !== meta.n_layers) fail("heads must list one count per layer");
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
      const cap = posEmb.shape[0];
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
  return { d, V, tokEmb, posEmb, unembed, layers, len: 0 };
}

// Append token x at the next position; return the logits at that position.
function step(model, x) {
  const { d, tokEmb, posEmb, unembed, layers } = model;
  const i = model.len;
  if (x < 0 || x >= model.V) fail(`token id ${x} out of range`);
  if (i >= posEmb.shape[0]) fail(`position ${i} beyond pos_emb (${posEmb.shape[0]} positions)`);
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

// ---- main --------------------------------------------------------------------------------

function main() {
  const { model: path, bits } = parseArgs(process.argv.slice(2));
  const { tensors, meta } = load(path);
  if (meta.format_version !== 1) fail(`unsupported format_version ${meta.format_version}`);
  const vocab = meta.vocab;
  if (!Array.isArray(vocab)) fail("metadata has no vocab array");
  const id0 = vocab.indexOf("0"), id1 = vocab.indexOf("1");
  if (id0 < 0 || id1 < 0) fail('vocab lacks "0" or "1"');
  if (typeof meta.n_inputs === "number" && bits.length !== meta.n_inputs)
    fail(`--bits has ${bits.length} bits, the circuit has ${meta.n_inputs} inputs`);

  const seq = [];
  for (const e of meta.prompt) {
    if (typeof e === "number") seq.push(e);
    else {
      const mt = /^x(\d+)$/.exec(String(e));
      if (!mt) fail(`bad prompt entry ${JSON.stringify(e)}`);
      const k = Number(mt[1]);
      if (k >= bits.length) fail(`prompt refers to input wire ${k}, only ${bits.length} bits given`);
      seq.push(bits[k] === "1" ? id1 : id0);
    }
  }
  if (seq.length === 0) fail("empty prompt");
  const model = buildModel(tensors, meta);
  let logits = null;
  for (const x of seq) logits = step(model, x);
  for (let s = 0; s < meta.cot_length; s++) {
    const next = argmax(logits);
    seq.push(next);
    if (s + 1 < meta.cot_length) logits = step(model, next);
  }
  if (typeof meta.seq_len === "number" && seq.length !== meta.seq_len)
    fail(`generated ${seq.length} tokens, seq_len says ${meta.seq_len}`);

  let out = "";
  for (const p of meta.outputs) {
    if (!Number.isInteger(p) || p < 0 || p >= seq.length) fail(`output position ${p} out of range`);
    const tok = vocab[seq[p]];
    if (tok !== "0" && tok !== "1") process.stderr.write(`warning: output position ${p} holds token ${JSON.stringify(tok)}, read as 0\n`);
    out += tok === "1" ? "1" : "0";
  }
  process.stdout.write(`tokens: ${seq.join(" ")}\noutputs: ${out}\n`);
}

try {
  main();
} catch (e) {
  const msg = e instanceof UsageError ? e.message : `internal error: ${e && e.message ? e.message : e}`;
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}
