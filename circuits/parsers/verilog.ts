// Verilog (`.v`, `.sv`) through Yosys, a separate program (Debian: `apt-get install yosys`; the
// YOSYS environment variable names another binary). The file is copied to a fresh temporary
// folder, which is always removed, and Yosys runs there:
//   read_verilog FILE; hierarchy -check -top TOP | -auto-top; synth -flatten; aigmap; opt -fast;
//   aigmap; opt_clean; write_json netlist.json
// and yosys-json.ts reads the netlist (AND and NOT gates, groups named after the ports).
// Yosys's errors become one line `FILE:LINE: ...` (the line where Yosys names one). Warnings
// that leave a value undefined (an undriven wire, conflicting drivers, a combinational loop)
// are errors. JSON rather than write_aiger: its symbol table leaves out outputs tied to constants.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CircuitError, quote } from '../errors.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';
import { circuitFromYosysJson } from './yosys-json.js';

export interface VerilogOptions {
  /** The module to read; default: the one marked (* top *), else the one Yosys finds on top. */
  top?: string;
  /** How long Yosys may run (default 10 minutes). */
  timeoutMs?: number;
}

/** How to get Yosys, for messages. */
export const YOSYS_INSTALL = 'apt-get install yosys';
const DEFAULT_TIMEOUT_MS = 600_000;
const WARNINGS_AS_ERRORS = 'is used but has no driver|conflicting drivers|found logic loop';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** A folder Yosys's command line takes as one word. */
const PLAIN_PATH = /^[^\s;"'#]+$/;
/** The end of Yosys's log that is read for its error (the error comes last). */
const LOG_TAIL_BYTES = 1 << 20;

/** The Yosys program: $YOSYS, else `yosys` on the PATH. */
export function yosysProgram(): string {
  return process.env.YOSYS || 'yosys';
}

/** Whether Yosys can be run (for tests and `doctor`-style checks). */
export function hasYosys(): boolean {
  const r = spawnSync(yosysProgram(), ['-V'], { stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

function readTail(path: string): string {
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, LOG_TAIL_BYTES);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Yosys's first ERROR of `log` as one line, located in the user's file where Yosys says where. */
function yosysError(log: string, file: string, inName: string, status: number | null): CircuitError {
  const lines = log.split(/\r?\n/);
  const at = lines.findIndex((l) => l.includes('ERROR:'));
  if (at < 0) {
    const last = lines.filter((l) => l.trim() !== '').pop() ?? '';
    return new CircuitError('syntax', `${file}: Yosys failed (exit status ${status ?? 'none'})${last ? `: ${last.trim()}` : ''}`);
  }
  const ours = (s: string): string => s.split(inName).join(file);
  const m = /^(.*?):(\d+): ERROR: (.*)$/.exec(lines[at]!);
  let where = m ? `${m[1] === inName ? file : m[1]}:${m[2]}` : undefined;
  let text = m ? m[3]! : lines[at]!.slice(lines[at]!.indexOf('ERROR:') + 6).trim();
  const details = [];
  for (let k = at + 1; k < lines.length && /^\s+\S/.test(lines[k]!); k++) details.push(lines[k]!.trim());
  if (where === undefined) {
    // A line Yosys gives elsewhere: in a detail (cell $and$input.v:3$1), or in an earlier
    // warning about the identifier the error names (`\q' is implicitly declared).
    const inDetail = details.map((d) => new RegExp(`${inName.replace('.', '\\.')}:(\\d+)`).exec(d)).find((x) => x);
    const ident = /\\([^\s'`:.]+)/.exec(text)?.[1];
    const warned = ident === undefined
      ? undefined
      : lines.slice(0, at).map((l) => /^(.*?):(\d+): Warning: (.*)$/.exec(l)).find((w) => w && w[1] === inName && w[3]!.includes(`\\${ident}'`));
    if (inDetail) where = `${file}:${inDetail[1]}`;
    else if (warned) {
      where = `${file}:${warned[2]}`;
      text = `${text} (${warned[3]!.replace(/\.$/, '')})`;
    }
  }
  if (details.length > 0) text = `${text.replace(/:$/, '')}: ${details.slice(0, 3).join(', ')}${details.length > 3 ? ', ...' : ''}`;
  // Escaped identifiers (\name) read as plain names.
  text = ours(text).replace(/\\(?=\S)/g, '');
  return new CircuitError('syntax', `${where ?? file}: Yosys: ${text}`);
}

/** The modules that tie for top (Yosys would pick one of them silently), from `hierarchy`'s log. */
function tiedTops(hier: string): string[] {
  if (!/Automatically selected/.test(hier)) return [];
  const roots = [...hier.matchAll(/^root of\s+(\d+) design levels:\s+(\S+)/gm)].map((m) => ({ depth: Number(m[1]), name: m[2]!.replace(/^\\/, '') }));
  const max = Math.max(...roots.map((r) => r.depth));
  return roots.filter((r) => r.depth === max).map((r) => r.name);
}

/** Reads Verilog by running Yosys. Throws CircuitError (Yosys missing, its errors, a design
 * gatecot cannot read). */
export function parseVerilog(src: ParserSource, opts: VerilogOptions = {}): Circuit {
  const file = src.file ?? '<input>';
  const sv = /\.sv$/i.test(src.file ?? '');
  const inName = sv ? 'input.sv' : 'input.v';
  if (opts.top !== undefined && !IDENTIFIER.test(opts.top)) {
    throw new CircuitError('value', `top module name ${quote(opts.top)} is not a plain Verilog identifier`);
  }
  const incDir = src.file !== undefined ? resolve(dirname(src.file)) : undefined;
  const script = [
    `read_verilog${sv ? ' -sv' : ''}${incDir !== undefined && PLAIN_PATH.test(incDir) ? ` -I ${incDir}` : ''} ${inName}`,
    `tee -q -o hierarchy.txt hierarchy -check ${opts.top !== undefined ? `-top ${opts.top}` : '-auto-top'}`,
    'synth -flatten',
    // opt merges the duplicate NOTs aigmap leaves; the second aigmap maps anything opt made.
    'aigmap',
    'opt -fast',
    'aigmap',
    'opt_clean',
    'write_json netlist.json',
  ].join('; ');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-yosys-'));
  try {
    writeFileSync(join(dir, inName), src.bytes);
    const log = openSync(join(dir, 'yosys.log'), 'w');
    let r: ReturnType<typeof spawnSync>;
    try {
      // TMPDIR: ABC's scratch folders land in `dir` too, and go with it.
      r = spawnSync(yosysProgram(), ['-q', '-e', WARNINGS_AS_ERRORS, '-p', script], {
        cwd: dir, stdio: ['ignore', log, log], timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, TMPDIR: dir },
      });
    } finally {
      closeSync(log);
    }
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') {
      throw new CircuitError('unsupported', `${file}: reading Verilog needs Yosys, which is not installed: ${YOSYS_INSTALL} (or set YOSYS to the yosys program)`);
    }
    if (code === 'ETIMEDOUT' || r.signal) {
      const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
      const why = code === 'ETIMEDOUT' ? `did not finish within ${limit}` : `was stopped by ${r.signal}`;
      throw new CircuitError('unsupported', `${file}: Yosys ${why} while synthesizing it`);
    }
    if (r.error) throw new CircuitError('io', `${file}: cannot run Yosys (${yosysProgram()}): ${code ?? r.error.message}`);
    const hierPath = join(dir, 'hierarchy.txt');
    const tied = tiedTops(existsSync(hierPath) ? readFileSync(hierPath, 'utf8') : '');
    if (tied.length > 1) {
      throw new CircuitError('value', `${file}: ${tied.length} modules could be the top one (${tied.join(', ')}): mark the one to read with (* top *) before its 'module'`);
    }
    if (r.status !== 0) throw yosysError(readTail(join(dir, 'yosys.log')), file, inName, r.status);
    const netlist = join(dir, 'netlist.json');
    if (!existsSync(netlist)) throw new CircuitError('io', `${file}: Yosys wrote no netlist`);
    const json: unknown = JSON.parse(readFileSync(netlist, 'utf8'));
    const autoTop = /Automatically selected/.test(readFileSync(hierPath, 'utf8'));
    return circuitFromYosysJson(json, { file, srcName: inName, name: src.name, autoTop });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
