// File helpers of the CLI: reading circuits with a one-line error, writing without clobbering.

import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FORMATS, isFormatName, readCircuitFile, type Circuit, type FormatName, type ParseOptions, type WritableFormat } from '../circuits/index.js';
import { UsageError } from './errors.js';

export function parseFormat(s: string | undefined): FormatName | undefined {
  if (s === undefined) return undefined;
  if (!isFormatName(s)) throw new UsageError(`unknown --format '${s}' (expected ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS[FORMATS.length - 1]})`);
  return s;
}

/** How the user asked a circuit file to be read: --format, and --top for Verilog. */
export interface CircuitFlags {
  format?: string;
  top?: string;
}

/** The parse options of CircuitFlags (the format checked). */
export function parseOptionsOf(flags: CircuitFlags): Omit<ParseOptions, 'file'> {
  const format = parseFormat(flags.format);
  return { ...(format ? { format } : {}), ...(flags.top !== undefined ? { top: flags.top } : {}) };
}

export function loadCircuit(path: string, flags: CircuitFlags = {}): Circuit {
  const r = readCircuitFile(path, parseOptionsOf(flags));
  if (!r.ok) throw r.error;
  return r.value;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Checks that `path` can be written: its folder exists, it is not a folder, and (without `force`) it does not exist. */
export function checkOutput(path: string, force: boolean): void {
  if (isDir(path)) throw new UsageError(`${path} is a folder: name a file to write`);
  if (existsSync(path) && !force) throw new UsageError(`${path} exists; pass --force to overwrite it`);
  const dir = dirname(path);
  if (!isDir(dir)) throw new UsageError(`cannot write ${path}: the folder ${dir} does not exist (create it first)`);
}

/** Writes chunks in order to a new file (they may add up to more than one buffer holds). */
function writeChunks(path: string, chunks: Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const c of chunks) writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file atomically (data, or chunks written in order); refuses to replace an existing
 * file unless `force`, and never creates folders.
 */
export function writeOutput(path: string, data: string | Uint8Array | Uint8Array[], force: boolean): void {
  checkOutput(path, force);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    if (Array.isArray(data)) writeChunks(tmp, data);
    else writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was left behind
    }
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * An output folder (-o DIR; none given: nothing to check) checked BEFORE any work: DIR may be new (then its parent must exist,
 * and DIR is created, one level only), and none of `files` in it may exist unless `force`.
 */
export function prepareOutputDir(dir: string | undefined, files: string[], force: boolean): void {
  if (dir === undefined) return;
  if (existsSync(dir) && !isDir(dir)) throw new UsageError(`${dir} is a file: -o names a folder to write into`);
  if (!existsSync(dir)) {
    if (!isDir(dirname(dir))) throw new UsageError(`cannot create ${dir}: the folder ${dirname(dir)} does not exist (create it first)`);
    mkdirSync(dir);
  }
  for (const f of files) checkOutput(join(dir, f), force);
}

/** How many gates the file written in `format` holds (cvp: the circuit's and one constant per input wire). */
export function writtenGateCount(c: Circuit, format: WritableFormat, data: string | Uint8Array): number {
  if (format === 'cvp') return c.nInputs + c.ops.length;
  // .gc, .bench and BLIF keep one statement per gate; AIGER's header counts its ANDs; Bristol
  // Fashion states its gate count first.
  if (format === 'gc' || format === 'bench' || format === 'blif') return c.ops.length;
  const head = typeof data === 'string' ? data.slice(0, 200) : new TextDecoder('latin1').decode(data.subarray(0, 200));
  if (format === 'aag' || format === 'aig') return Number(/^a[ai]g\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)/.exec(head)?.[1]);
  return Number(/^\s*(\d+)/.exec(head)?.[1]);
}

/**
 * The gates of a circuit as written in `format`: "N gates", or both counts when the Bristol
 * writer wrote more (it lowers OR, NOR, NAND and XNOR into 2-3 gates and copies some output bits)
 * or the cvp writer did (one constant gate per input wire).
 */
export function writtenGates(c: Circuit, format: WritableFormat, data: string | Uint8Array): string {
  const n = writtenGateCount(c, format, data);
  if (format === 'cvp') {
    return c.nInputs === 0 ? `${n} gates` : `${n} gates: the circuit's ${c.ops.length} and ${c.nInputs} constants for its input wires`;
  }
  if (format === 'aag' || format === 'aig') return `${n} AND gates: the circuit's ${c.ops.length}, as ANDs with inverted edges`;
  return n === c.ops.length ? `${n} gates` : `${n} gates: the circuit's ${c.ops.length}, lowered to XOR, AND, INV, EQ and EQW`;
}
