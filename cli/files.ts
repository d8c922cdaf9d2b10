// File helpers of the CLI: reading circuits with a one-line error, writing without clobbering.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FORMATS, isFormatName, readCircuitFile, type Circuit, type FormatName, type WritableFormat } from '../circuits/index.js';
import { UsageError } from './errors.js';

export function parseFormat(s: string | undefined): FormatName | undefined {
  if (s === undefined) return undefined;
  if (!isFormatName(s)) throw new UsageError(`unknown --format '${s}' (expected ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS[FORMATS.length - 1]})`);
  return s;
}

export function loadCircuit(path: string, format?: string): Circuit {
  const f = parseFormat(format);
  const r = readCircuitFile(path, f ? { format: f } : {});
  if (!r.ok) throw r.error;
  return r.value;
}

/** Writes a file atomically; refuses to replace an existing file unless `force`. */
export function writeOutput(path: string, data: string | Uint8Array, force: boolean): void {
  if (existsSync(path) && !force) throw new UsageError(`${path} exists; pass --force to overwrite it`);
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The gates of a circuit as written in `format`: "N gates", or both counts when the Bristol
 * writer wrote more (it lowers OR, NOR, NAND and XNOR into 2-3 gates and copies some output bits)
 * or the cvp writer did (one constant gate per input wire).
 */
export function writtenGates(c: Circuit, format: WritableFormat, text: string): string {
  if (format === 'cvp') {
    const n = c.nInputs + c.ops.length;
    return c.nInputs === 0 ? `${n} gates` : `${n} gates: the circuit's ${c.ops.length} and ${c.nInputs} constants for its input wires`;
  }
  // .gc keeps one statement per gate; Bristol Fashion states its gate count first.
  const n = format === 'gc' ? c.ops.length : Number(/^\s*(\d+)/.exec(text)?.[1]);
  return n === c.ops.length ? `${n} gates` : `${n} gates: the circuit's ${c.ops.length}, lowered to XOR, AND, INV, EQ and EQW`;
}
