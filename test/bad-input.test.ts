// Every shared circuit file, damaged a few hundred times (truncation, deleted lines, swapped
// tokens, flipped bytes, inserted slices, random bytes): each run of `gatecot stats` either
// succeeds or ends with exit 2 and one line; never a stack trace, an internal error or a hang.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliProcess } from './cli-helpers.js';
import { mutants } from './fixtures/mutate.js';
import { sharedCircuits } from './shared.js';

const CIRCUIT_EXT = /\.(txt|bench|aag|aig|blif|gc)$/;

function circuitFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return circuitFiles(p);
    return CIRCUIT_EXT.test(f) && !/-test\.txt$|SOURCE|LICENSE/.test(f) ? [p] : [];
  });
}

/** A few hundred mutants for each small file; fewer for the large ones, whose every parse costs
 * up to a second (the damage is local, so a few already reach every part of the reader). */
function budget(size: number): number {
  if (size < 50_000) return 240;
  if (size < 1_000_000) return 12;
  return 3;
}

const files = circuitFiles(sharedCircuits);
const dir = mkdtempSync(join(tmpdir(), 'gatecot-mutants-'));

describe('gatecot stats on damaged files', () => {
  files.forEach((file, fi) => {
    const rel = file.slice(sharedCircuits.length + 1);
    it(rel, async () => {
      const bytes = readFileSync(file);
      const path = join(dir, `m${fi}${extname(file)}`);
      let parsed = 0;
      let rejected = 0;
      for (const m of mutants(bytes, budget(bytes.length), 1000 + fi)) {
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
        rejected++;
      }
      expect(parsed + rejected).toBe(budget(bytes.length));
      expect(rejected).toBeGreaterThan(0);
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
