// The C bit-sliced evaluator of bench:eval (bench/c/bitsliced.c) driven from TS: its input file
// (the circuit's gate arrays, the kept wires, the input words) and one run of it.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Circuit } from '../circuits/index.js';
import { runExe, type Compiled } from './cc.js';

/** Writes the evaluator's input file in bin.dir (format in bench/c/bitsliced.c). */
export function writeCInput(bin: Compiled, c: Circuit, inputs: Uint32Array, W: number, keep: number[]): void {
  const T = c.ops.length;
  const ops = new Uint8Array(Math.ceil(T / 4) * 4);
  ops.set(c.ops);
  const parts = [Int32Array.of(c.nInputs, T, W, keep.length), ops, c.a, c.b, Int32Array.from(keep), inputs];
  writeFileSync(join(bin.dir, 'in.bin'), Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

/** Runs the evaluator on its input file: the best of `reps` wall times and the kept words. */
export function runCEval(bin: Compiled, mode: 'switch' | 'runs', reps: number): { seconds: number; out: Uint32Array } {
  const outPath = join(bin.dir, `out-${mode}.bin`);
  const seconds = Number(runExe(bin.exe, [join(bin.dir, 'in.bin'), outPath, mode, String(reps)]).trim());
  const buf = readFileSync(outPath);
  return { seconds, out: new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
}
