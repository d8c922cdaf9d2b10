// Model <-> safetensors file (docs/model-format.md). Tensor names: tok_emb [V,d], pos_emb [P,d],
// unembed [V,d]; layers.{l}.attn.{h}.w_q [dk,d], .w_k [dk,d], .w_v [dv,d], .w_o [d,dv];
// layers.{l}.ff.w1 [m,d], .b1 [m], .w2 [d,m], .b2 [d]. Metadata key "gatecot": JSON of ModelMeta
// plus head names and feed-forward unit labels.

import { checkLoopSpec } from './schedule.js';
import { readFileSync } from 'node:fs';
import { decodeSafetensors, encodeSafetensors, ModelFileError, type Tensor } from './safetensors.js';
import { MODEL_FORMAT_VERSION, type Layer, type Model, type ModelMeta, type PositionalMeta } from './model.js';

type StoredMeta = ModelMeta & {
  head_names: string[][];
  ff_units: string[][];
};

export function modelToBytes(m: Model): Uint8Array {
  const d = m.d;
  const V = m.vocab.length;
  const t: [string, Tensor][] = [
    ['tok_emb', { shape: [V, d], data: m.tokEmb }],
    ['pos_emb', { shape: [m.posEmb.length / d, d], data: m.posEmb }],
    ['unembed', { shape: [V, d], data: m.unembed }],
  ];
  m.layers.forEach((L, l) => {
    L.heads.forEach((h, i) => {
      const p = `layers.${l}.attn.${i}`;
      t.push([`${p}.w_q`, { shape: [h.dk, d], data: h.wq }]);
      t.push([`${p}.w_k`, { shape: [h.dk, d], data: h.wk }]);
      t.push([`${p}.w_v`, { shape: [h.dv, d], data: h.wv }]);
      t.push([`${p}.w_o`, { shape: [d, h.dv], data: h.wo }]);
    });
    const f = L.ff;
    t.push([`layers.${l}.ff.w1`, { shape: [f.m, d], data: f.w1 }]);
    t.push([`layers.${l}.ff.b1`, { shape: [f.m], data: f.b1 }]);
    t.push([`layers.${l}.ff.w2`, { shape: [d, f.m], data: f.w2 }]);
    t.push([`layers.${l}.ff.b2`, { shape: [d], data: f.b2 }]);
  });
  return encodeSafetensors(t, { gatecot: storedMetaJson(m), format: 'pt' });
}

/** The metadata JSON a model file stores under "gatecot" (exports carry it too). */
export function storedMetaJson(m: Model): string {
  const meta: StoredMeta = {
    ...m.meta,
    head_names: m.layers.map((L) => L.heads.map((h) => h.name)),
    ff_units: m.layers.map((L) => L.ff.units),
  };
  return JSON.stringify(meta);
}

export function modelFromBytes(bytes: Uint8Array, file = '<model>'): Model {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  return modelFromTensors(tensors, metadata.gatecot, file);
}

/**
 * A model from its tensors (the safetensors names and shapes) and its metadata JSON (the
 * "gatecot" entry), checked: what every container (safetensors, ONNX) reads back through.
 */
export function modelFromTensors(tensors: Map<string, Tensor>, gatecotJson: string | undefined, file = '<model>'): Model {
  const bad = (msg: string) => new ModelFileError(`${file}: ${msg}`);
  if (gatecotJson === undefined) throw bad('no "gatecot" metadata: not a gatecot model');
  let meta: StoredMeta;
  try {
    meta = JSON.parse(gatecotJson) as StoredMeta;
  } catch {
    throw bad('the "gatecot" metadata is not JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw bad('the "gatecot" metadata is not a JSON object');
  if (meta.format_version !== MODEL_FORMAT_VERSION && meta.format_version !== 1) throw bad(`model format version ${String(meta.format_version)}, this gatecot reads 1 and ${MODEL_FORMAT_VERSION}`);
  const mode: unknown = meta.mode;
  if (meta.format_version === 2 && mode !== 'positional' && mode !== 'uniform') throw bad(`unknown model mode ${JSON.stringify(mode)}`);
  if (meta.format_version === 2 && !Array.isArray(meta.head_targets)) throw bad('metadata lacks head_targets (the sequence contract)');
  const get = (name: string, shape: (number | undefined)[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw bad(`missing tensor ${name}`);
    if (t.shape.length !== shape.length || shape.some((s, i) => s !== undefined && s !== t.shape[i])) {
      throw bad(`tensor ${name} has shape [${t.shape}], expected [${shape.map((s) => s ?? '*')}]`);
    }
    return t.data;
  };
  const d = meta.d_model;
  const V = meta.vocab.length;
  if (!Number.isInteger(d) || d <= 0 || !Array.isArray(meta.vocab) || !Array.isArray(meta.heads)) throw bad('metadata lacks d_model, vocab or heads');
  const posT = tensors.get('pos_emb');
  const layers: Layer[] = [];
  for (let l = 0; l < meta.n_layers; l++) {
    const heads = [];
    for (let i = 0; i < (meta.heads[l] ?? 0); i++) {
      const p = `layers.${l}.attn.${i}`;
      const wqT = tensors.get(`${p}.w_q`);
      const wvT = tensors.get(`${p}.w_v`);
      const dk = wqT?.shape[0] ?? 0;
      const dv = wvT?.shape[0] ?? 0;
      heads.push({
        name: meta.head_names?.[l]?.[i] ?? `head${i}`,
        dk,
        dv,
        wq: get(`${p}.w_q`, [dk, d]),
        wk: get(`${p}.w_k`, [dk, d]),
        wv: get(`${p}.w_v`, [dv, d]),
        wo: get(`${p}.w_o`, [d, dv]),
      });
    }
    const m = tensors.get(`layers.${l}.ff.w1`)?.shape[0] ?? 0;
    layers.push({
      heads,
      ff: {
        m,
        w1: get(`layers.${l}.ff.w1`, [m, d]),
        b1: get(`layers.${l}.ff.b1`, [m]),
        w2: get(`layers.${l}.ff.w2`, [d, m]),
        b2: get(`layers.${l}.ff.b2`, [d]),
        units: meta.ff_units?.[l] ?? Array.from({ length: m }, (_, u) => `unit${u}`),
      },
    });
  }
  const model: Model = {
    d,
    vocab: meta.vocab,
    tokEmb: get('tok_emb', [V, d]),
    posEmb: get('pos_emb', [posT?.shape[0], d]),
    unembed: get('unembed', [V, d]),
    layers,
    meta,
  };
  const need = meta.mode === 'uniform' ? meta.max_seq_len : meta.seq_len;
  if ((posT?.shape[0] ?? 0) < need) throw bad(`pos_emb has ${posT?.shape[0]} rows but the sequence needs ${need}`);
  if (meta.format_version === 1) upgradeV1(model);
  try {
    checkLoopSpec(model);
  } catch (e) {
    throw bad((e as Error).message);
  }
  return model;
}

/**
 * Version 1 (positional only, before the sequence contract): the heads' targets were not stated;
 * they are read back from the position embedding, which holds the code of each head's target in
 * src_a_bits / src_b_bits (the retrieval construction of that version).
 */
function upgradeV1(m: Model): void {
  const meta = m.meta as PositionalMeta;
  const d = m.d;
  const S = meta.seq_len;
  const at = (name: string) => meta.basis.indexOf(`${name}[0]`);
  const targets = ['src_a_bits', 'src_b_bits'].map((name) => {
    const o = at(name);
    const positions: number[] = new Array(S);
    for (let p = 0; p < S; p++) {
      let t = 0;
      for (let i = 0; i < meta.pos_bits; i++) if (m.posEmb[p * d + o + i]! > 0) t |= 1 << i;
      positions[p] = o < 0 ? -1 : t;
    }
    return { rule: 'positions' as const, positions };
  });
  m.meta = { ...meta, format_version: MODEL_FORMAT_VERSION, mode: 'positional', head_targets: [targets] };
}

export function readModelFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelFileError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return modelFromBytes(bytes, path);
}

/** True when the bytes start like a safetensors file with a gatecot header. */
export function looksLikeModel(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return n > 0n && n < BigInt(bytes.length) && bytes[8] === 0x7b; // '{'
}
