// The safetensors container: 8-byte little-endian header length N, N bytes of JSON header
// ({name: {dtype, shape, data_offsets}}, plus "__metadata__": {string: string}), then the data.
// We write F32 only, header padded with spaces to a multiple of 8 so tensors are aligned.

import { UserError } from '../common/errors.js';

export class ModelFileError extends UserError {
  override name = 'ModelFileError';
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: [string, Tensor][], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape ${t.shape} does not match ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - ((8 + hb.length) % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const [, t] of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (isLittleEndian()) out.set(bytes, p);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(p + 4 * i, t.data[i]!, true);
    p += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file = '<model>'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const bad = (msg: string) => new ModelFileError(`${file}: not a valid safetensors file: ${msg}`);
  if (bytes.length < 8) throw bad('shorter than its 8-byte header length');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8) || n > 100_000_000n) throw bad(`header length ${n} exceeds the file`);
  const hlen = Number(n);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen))) as Record<string, unknown>;
  } catch {
    throw bad('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('the header is not a JSON object');
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null) throw bad('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw bad(`metadata ${k} is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (t.dtype !== 'F32') throw bad(`tensor ${name} has dtype ${String(t.dtype)}, gatecot reads F32`);
    if (!Array.isArray(t.shape) || !t.shape.every((x) => Number.isInteger(x) && x >= 0)) throw bad(`tensor ${name} has a bad shape`);
    const offs = t.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((x) => Number.isInteger(x))) throw bad(`tensor ${name} has bad data_offsets`);
    const [b, e] = offs as [number, number];
    const count = (t.shape as number[]).reduce((a, c) => a * c, 1);
    if (b < 0 || e > dataLen || e - b !== 4 * count) throw bad(`tensor ${name}: data_offsets [${b}, ${e}] do not fit its shape or the file`);
    const data = new Float32Array(count);
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + b, 4 * count);
    for (let i = 0; i < count; i++) data[i] = src.getFloat32(4 * i, true);
    tensors.set(name, { shape: t.shape as number[], data });
  }
  return { tensors, metadata };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
