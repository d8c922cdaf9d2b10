// An .onnx file written by gatecot export, read back into a Model: the metadata JSON from
// metadata_props["gatecot"], the weights from the initializers (named as onnx-weights.ts names
// them, transposed back to the safetensors layout), then the same checks as a safetensors file
// (model/file.ts modelFromTensors). So an .onnx file alone can be run and verified.

import { modelFromTensors } from '../file.js';
import type { Model } from '../model.js';
import { ModelFileError, type Tensor } from '../safetensors.js';
import { ONNX_META_KEY } from './onnx.js';
import { f32FromBytes, FLOAT, onnx, toNumber, type ModelProto, type TensorProto } from './onnx-proto.js';
import { transpose } from './onnx-weights.js';

/** Reads an external data file named by a tensor (a path relative to the .onnx file). */
export type ExternalReader = (location: string) => Uint8Array;

/** The ModelProto of an .onnx file, or a one-line ModelFileError. */
export function decodeOnnx(bytes: Uint8Array, file = '<model>'): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFileError(`${file}: not a valid ONNX file: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The gatecot metadata JSON of an ONNX model (metadata_props "gatecot"), if any. */
export function onnxMetadataJson(p: ModelProto): string | undefined {
  return p.metadataProps?.find((e) => e.key === ONNX_META_KEY)?.value ?? undefined;
}

function tensorData(t: TensorProto, file: string, readExternal?: ExternalReader): Float32Array {
  const bad = (msg: string) => new ModelFileError(`${file}: initializer ${t.name}: ${msg}`);
  if (t.dataType !== FLOAT) throw bad(`data type ${t.dataType}, expected float32`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw bad('external data without a location');
    if (!readExternal) throw bad(`its data is in the external file ${location}, which was not given`);
    const all = readExternal(location);
    const offset = Number(kv.get('offset') ?? 0);
    const length = kv.has('length') ? Number(kv.get('length')) : all.length - offset;
    if (!(offset >= 0 && length >= 0 && offset + length <= all.length)) throw bad(`external data [${offset}, ${offset + length}) is outside ${location} (${all.length} bytes)`);
    return f32FromBytes(all.subarray(offset, offset + length));
  }
  if (t.rawData && t.rawData.length > 0) return f32FromBytes(t.rawData);
  return Float32Array.from(t.floatData ?? []);
}

/** The safetensors tensors of a gatecot ONNX graph's initializers (what model/file.ts reads). */
function tensorsOf(p: ModelProto, file: string, readExternal?: ExternalReader): Map<string, Tensor> {
  const init = new Map<string, { shape: number[]; data: () => Float32Array }>();
  for (const t of p.graph?.initializer ?? []) {
    if (!t.name || t.dataType !== FLOAT) continue;
    const shape = (t.dims ?? []).map((x) => toNumber(x));
    init.set(t.name, { shape, data: () => tensorData(t, file, readExternal) });
  }
  const out = new Map<string, Tensor>();
  const plain = (from: string, to: string): void => {
    const t = init.get(from);
    if (t) out.set(to, { shape: t.shape, data: t.data() });
  };
  /** [in, out] in the graph -> [out, in] in the file. */
  const flipped = (from: string, to: string): void => {
    const t = init.get(from);
    if (!t || t.shape.length !== 2) return;
    const [r, c] = t.shape as [number, number];
    out.set(to, { shape: [c, r], data: transpose(t.data(), r, c) });
  };
  plain('embed.W_E', 'tok_emb');
  plain('pos_embed.W_pos', 'pos_emb');
  flipped('unembed.W_U', 'unembed');
  const names = [...init.keys()];
  for (const n of names) {
    const h = /^blocks\.(\d+)\.attn\.(\d+)\..*\.W_([QKVO])$/.exec(n);
    if (h) flipped(n, `layers.${h[1]}.attn.${h[2]}.w_${h[3]!.toLowerCase()}`);
    const f = /^blocks\.(\d+)\.mlp\.(W_in|b_in|W_out|b_out)$/.exec(n);
    if (!f) continue;
    const to = `layers.${f[1]}.ff.${{ W_in: 'w1', b_in: 'b1', W_out: 'w2', b_out: 'b2' }[f[2] as 'W_in']}`;
    if (f[2]!.startsWith('W')) flipped(n, to);
    else plain(n, to);
  }
  // a layer without hidden units has no W_in, b_in, W_out in the graph: empty ones in the file
  for (const n of names) {
    const b = /^blocks\.(\d+)\.mlp\.b_out$/.exec(n);
    const d = init.get(n)?.shape[0] ?? 0;
    if (!b || out.has(`layers.${b[1]}.ff.w1`)) continue;
    out.set(`layers.${b[1]}.ff.w1`, { shape: [0, d], data: new Float32Array(0) });
    out.set(`layers.${b[1]}.ff.b1`, { shape: [0], data: new Float32Array(0) });
    out.set(`layers.${b[1]}.ff.w2`, { shape: [d, 0], data: new Float32Array(0) });
  }
  return out;
}

/** A Model from the bytes of an .onnx file written by gatecot export (and its external data, if any). */
export function modelFromOnnx(bytes: Uint8Array, file = '<model>', readExternal?: ExternalReader): Model {
  const p = decodeOnnx(bytes, file);
  const json = onnxMetadataJson(p);
  if (json === undefined) throw new ModelFileError(`${file}: an ONNX file without gatecot metadata (metadata_props "${ONNX_META_KEY}"): not a gatecot model`);
  return modelFromTensors(tensorsOf(p, file, readExternal), json, file);
}
