// Direct evaluation of a circuit: a plain one-vector evaluator and a bit-sliced one that
// evaluates 32 input vectors per Uint32 word, many words at once. The bit-sliced evaluator
// is the ground truth of the project; the plain one is its independent check. evalBitsliced
// runs the WebAssembly SIMD kernel (circuits/wasm/) and falls back to evalBitslicedJs, the same
// algorithm in JavaScript, where that kernel cannot run.

import { Op, checkKeep, checkOut, outputWires, type Circuit } from './ir.js';
import { evalBitslicedWasm } from './wasm/evaluator.js';

/** All wire values (inputs first, then gates) for one input vector of nInputs bits. */
export function evalOne(c: Circuit, inputBits: ArrayLike<number>): Uint8Array {
  const n = c.nInputs;
  if (inputBits.length !== n) throw new RangeError(`expected ${n} input bits, got ${inputBits.length}`);
  const v = new Uint8Array(n + c.ops.length);
  for (let i = 0; i < n; i++) v[i] = inputBits[i]! ? 1 : 0;
  const { ops, a, b } = c;
  for (let g = 0; g < ops.length; g++) {
    const x = a[g]! >= 0 ? v[a[g]!]! : 0;
    const y = b[g]! >= 0 ? v[b[g]!]! : 0;
    let r: number;
    switch (ops[g]) {
      case Op.AND: r = x & y; break;
      case Op.OR: r = x | y; break;
      case Op.XOR: r = x ^ y; break;
      case Op.NAND: r = 1 ^ (x & y); break;
      case Op.NOR: r = 1 ^ (x | y); break;
      case Op.XNOR: r = 1 ^ x ^ y; break;
      case Op.NOT: r = 1 ^ x; break;
      case Op.BUF: r = x; break;
      case Op.CONST0: r = 0; break;
      default: r = 1; break;
    }
    v[n + g] = r;
  }
  return v;
}

/** Output bits (all output groups concatenated) for one input vector. */
export function evalOutputsOne(c: Circuit, inputBits: ArrayLike<number>): Uint8Array {
  const v = evalOne(c, inputBits);
  return Uint8Array.from(outputWires(c), (w) => v[w]!);
}

/** Words per chunk: the working set is nWires * CHUNK words, small enough to stay in cache. */
const CHUNK = 16;

/**
 * Bit-sliced evaluation. `inputs` holds nInputs * W words, wire-major (wire i's words at
 * [i*W, (i+1)*W)); bit j of word w is input vector 32*w + j. `keep` lists the wires to
 * return (default: all); the result holds keep.length * W words in the same layout, written
 * into `out` when given (reused between calls, it spares allocating a large result each time).
 */
export function evalBitsliced(c: Circuit, inputs: Uint32Array, W: number, keep?: ArrayLike<number>, out?: Uint32Array): Uint32Array {
  checkInputWords(c, inputs, W);
  return evalBitslicedWasm(c, inputs, W, keep, out) ?? evalBitslicedJs(c, inputs, W, keep, out);
}

function checkInputWords(c: Circuit, inputs: Uint32Array, W: number): void {
  if (inputs.length !== c.nInputs * W) throw new RangeError(`expected ${c.nInputs * W} input words, got ${inputs.length}`);
}

/** evalBitsliced in JavaScript: 16 Int32 words per wire per pass. */
export function evalBitslicedJs(c: Circuit, inputs: Uint32Array, W: number, keep?: ArrayLike<number>, result?: Uint32Array): Uint32Array {
  const n = c.nInputs;
  const T = c.ops.length;
  const nw = n + T;
  checkInputWords(c, inputs, W);
  const wires = keep ?? null;
  const nKeep = wires ? wires.length : nw;
  for (let j = 0; wires && j < nKeep; j++) checkKeep(wires[j]!, nw);
  checkOut(result, nKeep * W);
  const out = result ?? new Uint32Array(nKeep * W);
  const s = new Int32Array(nw * CHUNK);
  const { ops, a, b } = c;
  for (let w0 = 0; w0 < W; w0 += CHUNK) {
    const cw = Math.min(CHUNK, W - w0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < cw; k++) s[i * CHUNK + k] = inputs[i * W + w0 + k]!;
    }
    for (let g = 0; g < T; g++) {
      const o = (n + g) * CHUNK;
      const x = a[g]! * CHUNK;
      const y = b[g]! * CHUNK;
      switch (ops[g]) {
        case Op.AND: for (let k = 0; k < cw; k++) s[o + k] = s[x + k]! & s[y + k]!; break;
        case Op.OR: for (let k = 0; k < cw; k++) s[o + k] = s[x + k]! | s[y + k]!; break;
        case Op.XOR: for (let k = 0; k < cw; k++) s[o + k] = s[x + k]! ^ s[y + k]!; break;
        case Op.NAND: for (let k = 0; k < cw; k++) s[o + k] = ~(s[x + k]! & s[y + k]!); break;
        case Op.NOR: for (let k = 0; k < cw; k++) s[o + k] = ~(s[x + k]! | s[y + k]!); break;
        case Op.XNOR: for (let k = 0; k < cw; k++) s[o + k] = ~(s[x + k]! ^ s[y + k]!); break;
        case Op.NOT: for (let k = 0; k < cw; k++) s[o + k] = ~s[x + k]!; break;
        case Op.BUF: for (let k = 0; k < cw; k++) s[o + k] = s[x + k]!; break;
        case Op.CONST0: for (let k = 0; k < cw; k++) s[o + k] = 0; break;
        default: for (let k = 0; k < cw; k++) s[o + k] = -1; break;
      }
    }
    for (let j = 0; j < nKeep; j++) {
      const src = (wires ? wires[j]! : j) * CHUNK;
      for (let k = 0; k < cw; k++) out[j * W + w0 + k] = s[src + k]!;
    }
  }
  return out;
}

/** Packs vectors (each nInputs bits) into the bit-sliced layout: nInputs * ceil(N/32) words. */
export function packVectors(vectors: ArrayLike<number>[], nBits: number): { words: Uint32Array; W: number } {
  const W = Math.max(1, Math.ceil(vectors.length / 32));
  const words = new Uint32Array(nBits * W);
  vectors.forEach((v, j) => {
    if (v.length !== nBits) throw new RangeError(`vector ${j} has ${v.length} bits, expected ${nBits}`);
    const w = j >>> 5;
    const m = (1 << (j & 31)) >>> 0;
    for (let i = 0; i < nBits; i++) if (v[i]) words[i * W + w] = (words[i * W + w]! | m) >>> 0;
  });
  return { words, W };
}

/** Bit j of wire row i of a bit-sliced result. */
export function slicedBit(words: Uint32Array, W: number, row: number, j: number): 0 | 1 {
  return ((words[row * W + (j >>> 5)]! >>> (j & 31)) & 1) as 0 | 1;
}

/** Evaluates many vectors at once and returns each vector's wire values for the chosen wires. */
export function evalMany(c: Circuit, vectors: ArrayLike<number>[], keep?: ArrayLike<number>): Uint8Array[] {
  const { words, W } = packVectors(vectors, c.nInputs);
  const res = evalBitsliced(c, words, W, keep);
  const rows = keep ? keep.length : c.nInputs + c.ops.length;
  return vectors.map((_, j) => {
    const bits = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) bits[r] = slicedBit(res, W, r, j);
    return bits;
  });
}
