// Format detection and dispatch: from the extension or the content; an explicit format wins.
// Verilog is read by running Yosys (parsers/verilog.ts); every other format in-process.

import { writeAag, writeAig, writeBench, writeBlif } from './writers/netlists.js';
import { readFileSync, statSync } from 'node:fs';
import { CircuitError, attempt, type Result } from './errors.js';
import type { Circuit } from './ir.js';
import { parseAag, parseAig } from './parsers/aiger.js';
import { parseBench } from './parsers/bench.js';
import { parseBlif } from './parsers/blif.js';
import { isBristolFashion, parseBristol, parseBristolOld } from './parsers/bristol.js';
import { looksLikeCvp, parseCvp } from './parsers/cvp.js';
import { parseGc } from './parsers/gc.js';
import { parseVerilog } from './parsers/verilog.js';
import { sourceFromBytes, type ParserSource } from './source.js';
import { writeBristol } from './writers/bristol.js';
import { writeCvp } from './writers/cvp.js';
import { writeGc } from './writers/gc.js';

export const FORMATS = ['gc', 'bristol', 'bristol-old', 'aag', 'aig', 'bench', 'blif', 'cvp', 'verilog'] as const;
export type FormatName = (typeof FORMATS)[number];
export const WRITABLE = ['gc', 'bristol', 'cvp', 'aag', 'aig', 'bench', 'blif'] as const;
export type WritableFormat = (typeof WRITABLE)[number];

const PARSERS: Record<FormatName, (src: ParserSource) => Circuit> = {
  gc: parseGc,
  bristol: parseBristol,
  'bristol-old': parseBristolOld,
  aag: parseAag,
  aig: parseAig,
  bench: parseBench,
  blif: parseBlif,
  cvp: parseCvp,
  verilog: (src) => parseVerilog(src),
};

/** Verilog's first word, after comments, compiler directives and attributes (each alternative
 * starts with its own character and cannot run past its end: no backtracking blow-up). */
const VERILOG_HEAD = /^(?:\s|\/\/[^\n]*\n|\/\*(?:[^*]|\*(?!\/))*\*\/|`[^\n]*\n|\(\*(?:[^*]|\*(?!\)))*\*\))*(?:module|macromodule)\s/;

export function isFormatName(s: string): s is FormatName {
  return (FORMATS as readonly string[]).includes(s);
}

function extension(path: string): string {
  const b = path.split(/[\\/]/).pop() ?? path;
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(dot + 1).toLowerCase() : '';
}

/** The format of a file, from its extension, else from its first bytes. */
export function detectFormat(path: string | undefined, bytes: Uint8Array): FormatName {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const ext = path ? extension(path) : '';
  switch (ext) {
    case 'gc': return 'gc';
    case 'aag': return 'aag';
    case 'aig': return 'aig';
    case 'bench': return 'bench';
    case 'blif': return 'blif';
    case 'cvp': return 'cvp';
    case 'v':
    case 'sv': return 'verilog';
    case 'txt':
    case 'bristol': return isBristolFashion(head) ? 'bristol' : 'bristol-old';
    default: break;
  }
  if (/^aag\s/.test(head)) return 'aag';
  if (/^aig\s/.test(head)) return 'aig';
  if (/^\s*\d+\s+\d+\s*\r?\n/.test(head)) return isBristolFashion(head) ? 'bristol' : 'bristol-old';
  if (VERILOG_HEAD.test(head)) return 'verilog';
  if (/^\s*\.(model|inputs|outputs|names)\b/m.test(head)) return 'blif';
  if (/^\s*(INPUT|OUTPUT)\s*\(/im.test(head)) return 'bench';
  if (looksLikeCvp(head)) return 'cvp';
  return 'gc';
}

export interface ParseOptions {
  file?: string;
  format?: FormatName;
  name?: string;
  /** Verilog: the module to read (default: the one marked (* top *), else Yosys's pick). */
  top?: string;
}

/** Parses bytes of any supported format. Throws CircuitError. */
export function parseCircuitBytes(bytes: Uint8Array, opts: ParseOptions = {}): Circuit {
  const format = opts.format ?? detectFormat(opts.file, bytes);
  const src = sourceFromBytes(bytes, opts.file, opts.name);
  try {
    if (format === 'verilog' && opts.top !== undefined) return parseVerilog(src, { top: opts.top });
    return PARSERS[format](src);
  } catch (e) {
    // A file whose extension chose the format but whose content looks like another one (a
    // .bench saved as .txt): the error says which format it looks like (the CLI: which --format).
    const other = opts.format === undefined ? detectFormat(undefined, bytes) : format;
    if (e instanceof CircuitError && other !== format && other !== 'gc' && !(format.startsWith('bristol') && other.startsWith('bristol'))) {
      throw new CircuitError(e.kind, `${e.detail} (the content looks like ${other})`, e.loc, other);
    }
    throw e;
  }
}

export function parseCircuitText(text: string, opts: ParseOptions = {}): Circuit {
  return parseCircuitBytes(new TextEncoder().encode(text), opts);
}

/** Reads and parses a circuit file. */
export function readCircuitFile(path: string, opts: Omit<ParseOptions, 'file'> = {}): Result<Circuit> {
  return attempt(() => {
    const bytes = readInputFile(path);
    return parseCircuitBytes(bytes, { ...opts, file: path === '-' ? '<stdin>' : path });
  });
}

const IO_REASONS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder', ENOTDIR: 'a folder on its path is a file' };

/**
 * The bytes of a file the user named, or of standard input for "-". Only regular files are read:
 * a device or a pipe given by name (/dev/zero, /dev/urandom) may never end.
 */
export function readInputFile(path: string): Uint8Array {
  try {
    if (path === '-') return readFileSync(0);
    const st = statSync(path);
    if (st.isDirectory()) throw new CircuitError('io', `${path} is a directory, not a circuit file`);
    if (!st.isFile()) throw new CircuitError('io', `${path} is not a regular file (a device or a pipe): give a file, or - to read standard input`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof CircuitError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new CircuitError('io', `cannot read ${path}: ${IO_REASONS[code] ?? code ?? (e as Error).message}`);
  }
}

/** The text of `c` in a text format; cvp takes circuits without inputs only (writeCvp fixes inputs). */
export function writeCircuit(c: Circuit, format: Exclude<WritableFormat, 'aig'>): string {
  switch (format) {
    case 'gc': return writeGc(c);
    case 'bristol': return writeBristol(c);
    case 'cvp': return writeCvp(c);
    case 'aag': return writeAag(c);
    case 'bench': return writeBench(c);
    case 'blif': return writeBlif(c);
  }
}

/** The file contents of `c` in any writable format (binary AIGER is bytes, the others text). */
export function writeCircuitFile(c: Circuit, format: WritableFormat): string | Uint8Array {
  return format === 'aig' ? writeAig(c) : writeCircuit(c, format);
}

/** The writable format chosen by an output path's extension. */
export function writableFormatOf(path: string): WritableFormat | undefined {
  const ext = extension(path);
  if (ext === 'gc') return 'gc';
  if (ext === 'txt' || ext === 'bristol') return 'bristol';
  if (ext === 'cvp') return 'cvp';
  if (ext === 'aag' || ext === 'aig' || ext === 'bench' || ext === 'blif') return ext;
  return undefined;
}
