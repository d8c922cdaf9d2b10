// Every shared circuit file, damaged a few hundred times (truncation, deleted lines, swapped
// tokens, flipped bytes, inserted slices, random bytes): each run of `gatecot stats` either
// succeeds or ends with exit 2 and one line; never a stack trace, an internal error or a hang.
// A large file, whose every parse costs up to a second, gets a few mutants of the whole file and
// some 190 of its header and first lines (each as cheap to parse as a small file). Two .cvp files
// written here (the shared folder has none) get the same treatment.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../circuits/gen/index.js';
import { writeCircuit } from '../circuits/index.js';
import { cli, cliProcess } from './cli-helpers.js';
import { mutants, prefixMutants } from './fixtures/mutate.js';
import { sharedCircuits } from './shared.js';

const CIRCUIT_EXT = /\.(txt|bench|aag|aig|blif|gc|cvp)$/;

function circuitFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return circuitFiles(p);
    return CIRCUIT_EXT.test(f) && !/-test\.txt$|SOURCE|LICENSE/.test(f) ? [p] : [];
  });
}

/** Files from this size on get prefix mutants besides a few of the whole file. */
const LARGE = 50_000;
/** Mutants of a small file; of a large file, whole-file and prefix mutants together. */
const SMALL_TOTAL = 240;
const LARGE_TOTAL = 200;

function total(size: number): number {
  return size < LARGE ? SMALL_TOTAL : LARGE_TOTAL;
}

/** Mutants of the whole file: all of them for a small file; a few for a large one. */
function wholeFileBudget(size: number): number {
  if (size < LARGE) return SMALL_TOTAL;
  if (size < 1_000_000) return 12;
  return 3;
}

/** The mutants of one file: of the whole file, then (large files) of its first lines. */
function fileMutants(bytes: Uint8Array, seed: number): Uint8Array[] {
  const whole = mutants(bytes, wholeFileBudget(bytes.length), seed);
  return bytes.length < LARGE ? whole : [...whole, ...prefixMutants(bytes, LARGE_TOTAL - whole.length, seed + 500_000)];
}

const files = circuitFiles(sharedCircuits);
// Some 28,000 files are written: in memory where there is a RAM disk (a disk write can cost as
// much as the parse).
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gatecot-mutants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gatecot stats on damaged files', () => {
  files.forEach((file, fi) => {
    const rel = file.slice(sharedCircuits.length + 1);
    it(rel, async () => {
      const bytes = readFileSync(file);
      const path = join(dir, `m${fi}${extname(file)}`);
      let parsed = 0;
      let rejected = 0;
      const reasons = new Set<string>();
      const all = fileMutants(bytes, 1000 + fi);
      expect(all).toHaveLength(total(bytes.length));
      // A large file's prefix mutants are as small as a small file.
      expect(all.filter((m) => m.length <= 21_000).length).toBeGreaterThanOrEqual(total(bytes.length) - wholeFileBudget(bytes.length));
      for (const m of all) {
        writeFileSync(path, m);
        const t0 = performance.now();
        const r = await cli('stats', path);
        expect(performance.now() - t0).toBeLessThan(20_000);
        if (r.code === 0) {
          expect(r.stdout).toMatch(/^circuit /);
          parsed++;
          continue;
        }
        expect(r.code, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^gatecot: /);
        expect(lines[0]).not.toMatch(/internal error|\bat .*\.js:\d+|TypeError|RangeError/);
        reasons.add(lines[0]!.replace(/^.*?:\d+:\d+: /, '').replace(/\d+/g, 'N'));
        rejected++;
      }
      expect(parsed + rejected).toBe(total(bytes.length));
      expect(rejected).toBeGreaterThan(0);
      // The damage reaches several checks of the reader, not one error over and over.
      if (bytes.length >= LARGE) expect(reasons.size, [...reasons].join('\n')).toBeGreaterThan(3);
    });
  });
});

// The shared folder holds no .cvp file: these are written here, one generated instance and one
// with `# output` lines and gatecot's extra gate types.
const CVP_FILES: [string, string][] = [
  ['instance.cvp', writeCircuit(generate('cvp-instance', { gates: '150', seed: '11' }), 'cvp')],
  ['outputs.cvp', '# output s 5 9\n# output c 8\nTRUE NA NA 1 FALSE NA NA 2 TRUE NA NA 3\nXOR 1 2 4 XOR 4 3 5 AND 1 2 6 AND 4 3 7\nOR 6 7 8 BUF 5 NA 9 NAND 8 9 10 XNOR 10 1 11 NOR 11 2 12\n'],
];

describe('gatecot stats on damaged .cvp files', () => {
  CVP_FILES.forEach(([name, text], fi) => {
    it(name, async () => {
      const path = join(dir, `cvp${fi}.cvp`);
      let rejected = 0;
      for (const m of mutants(new TextEncoder().encode(text), SMALL_TOTAL, 9000 + fi)) {
        writeFileSync(path, m);
        const r = await cli('stats', path);
        if (r.code === 0) {
          expect(r.stdout).toMatch(/^circuit /);
          continue;
        }
        expect(r.code, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr.startsWith(`gatecot: ${path}:`), r.stderr).toBe(true);
        expect(r.stderr.slice(`gatecot: ${path}:`.length)).toMatch(/^\d+:\d+: \S/);
        expect(r.stderr).not.toMatch(/internal error|\bat .*\.js:\d+|TypeError|RangeError/);
        rejected++;
      }
      expect(rejected).toBeGreaterThan(SMALL_TOTAL / 4);
    });
  });
});

describe('the gatecot binary on damaged files', () => {
  it('exits 0 or 2 with one line, within the time limit, for a sample of every format', () => {
    const sample = files.filter((f) => statSync(f).size < 100_000).filter((_, i) => i % 6 === 0);
    for (const [i, file] of sample.entries()) {
      for (const m of mutants(readFileSync(file), 2, 77 + i)) {
        const path = join(dir, `p${i}${extname(file)}`);
        writeFileSync(path, m);
        const r = cliProcess(['stats', path], 30_000);
        expect(r.signal).toBeNull();
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
    }
  });
});
