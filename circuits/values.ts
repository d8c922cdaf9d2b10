// Group values as hex strings or bigints, and their wire bits, in lsb0 or msb0 order.
// lsb0: wire k of a group is bit k of the value. msb0: wire k is bit (width-1-k).

import { CircuitError } from './errors.js';
import type { Circuit } from './ir.js';

export type BitOrder = 'lsb0' | 'msb0';

export function parseHexValue(text: string, width: number, what: string): bigint {
  const t = text.trim().replace(/^0x/i, '').replace(/_/g, '');
  if (t === '') {
    if (width === 0) return 0n;
    throw new CircuitError('value', `${what}: empty value for a ${width}-bit group`);
  }
  if (!/^[0-9a-fA-F]+$/.test(t)) throw new CircuitError('value', `${what}: ${JSON.stringify(text)} is not a hex number`);
  const v = BigInt('0x' + t);
  if (width < 1 ? v !== 0n : v >> BigInt(width) !== 0n) {
    throw new CircuitError('value', `${what}: 0x${t} does not fit in ${width} bits`);
  }
  return v;
}

export function valueToBits(v: bigint, width: number, order: BitOrder = 'lsb0'): Uint8Array {
  const bits = new Uint8Array(width);
  for (let k = 0; k < width; k++) {
    const bit = Number((v >> BigInt(k)) & 1n);
    bits[order === 'lsb0' ? k : width - 1 - k] = bit;
  }
  return bits;
}

export function bitsToValue(bits: ArrayLike<number>, order: BitOrder = 'lsb0'): bigint {
  let v = 0n;
  const n = bits.length;
  for (let k = 0; k < n; k++) {
    const bit = order === 'lsb0' ? bits[k]! : bits[n - 1 - k]!;
    if (bit) v |= 1n << BigInt(k);
  }
  return v;
}

/** Lowercase hex padded to ceil(width/4) digits. */
export function toHex(v: bigint, width: number): string {
  const digits = Math.ceil(width / 4);
  return digits === 0 ? '' : v.toString(16).padStart(digits, '0');
}

/** Input bits of the whole circuit from one hex value per input group. */
export function inputBitsFromHex(c: Circuit, hex: string[], order: BitOrder = 'lsb0'): Uint8Array {
  if (hex.length !== c.inputs.length) {
    throw new CircuitError('value', `expected ${c.inputs.length} input value(s), one per input group (${c.inputs.map((g) => `${g.name}[${g.width}]`).join(', ')}), got ${hex.length}`);
  }
  const bits = new Uint8Array(c.nInputs);
  let o = 0;
  c.inputs.forEach((g, i) => {
    bits.set(valueToBits(parseHexValue(hex[i]!, g.width, `input ${g.name}`), g.width, order), o);
    o += g.width;
  });
  return bits;
}

/** One hex string per output group from all output bits (groups concatenated). */
export function outputHex(c: Circuit, outBits: ArrayLike<number>, order: BitOrder = 'lsb0'): string[] {
  let o = 0;
  return c.outputs.map((g) => {
    const w = g.wires.length;
    const slice = Array.from({ length: w }, (_, k) => outBits[o + k]!);
    o += w;
    return toHex(bitsToValue(slice, order), w);
  });
}

export function parseBitString(s: string, n: number): Uint8Array {
  if (!/^[01]*$/.test(s)) throw new CircuitError('value', `a bit string holds only 0 and 1, got ${JSON.stringify(s.slice(0, 40))}`);
  if (s.length !== n) throw new CircuitError('value', `${s.length} bits given, the circuit has ${n} input wires`);
  return Uint8Array.from(s, (ch) => (ch === '1' ? 1 : 0));
}
