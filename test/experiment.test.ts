// gatecot compare and gatecot experiment (issue 14): compare's rows on c17 (every available mode
// verifies); the experiment's shape at tiny sizes (a loop budget below the depth fails on some
// inputs, CoT and loops = D never do); 2 shards merged, and --jobs 2, = the unsharded run; bad
// input exits 2.

import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompareReport } from '../report/compare.js';
import type { ExperimentResult } from '../report/experiment.js';
import { cli } from './cli-helpers.js';
import { shared } from './shared.js';

const c17 = shared('iscas85/c17.bench');

describe('gatecot compare', () => {
  it('measures every mode of c17: columns present, verify ok for every available mode', async () => {
    const r = await cli('compare', c17, '--json', '--samples', '8');
    expect(r.stderr).not.toMatch(/error/);
    const rep = JSON.parse(r.stdout) as CompareReport;
    expect(rep).toMatchObject({ circuit: 'c17', inputs: 5, gates: 6, depth: 3, inputs_verified: 10 });
    expect(rep.rows.map((x) => x.mode)).toEqual(['positional gate CoT', 'positional 4tok', 'uniform 4tok', 'looped', 'looped-cot', 'deep', 'uniform looped']);
    for (const row of rep.rows) {
      if (!row.available) {
        expect(row.mode).toBe('uniform looped');
        expect(row.note).toMatch(/^not available/);
        continue;
      }
      expect(row.verify_ok).toBe(true);
      expect(row.verify_backend).toBe('cpu');
      expect(row.min_fixed_s).toBeGreaterThanOrEqual(1);
      expect(row.min_fixed_s).toBeLessThanOrEqual(8);
      expect(row.layers_applied).toBeGreaterThanOrEqual(row.layers_stored!);
      expect(row.params_applied).toBeGreaterThanOrEqual(row.params_stored!);
      expect(row.heads_per_layer!.length).toBe(row.layers_stored);
    }
    expect(r.code).toBe(0);
    const by = Object.fromEntries(rep.rows.map((x) => [x.mode, x]));
    // CoT lengths: T tokens (gate), 4T (4tok), 4W (uniform: every wire); latent models write none.
    expect([by['positional gate CoT']!.cot_tokens, by['positional 4tok']!.cot_tokens, by['uniform 4tok']!.cot_tokens]).toEqual([6, 24, 44]);
    expect(by['uniform 4tok']!.heads_per_layer).toEqual([4, 2, 1]);
    // looped: 1 stored layer applied depth = 3 times; looped-cot: once per gate; deep: 3 distinct layers.
    expect(by.looped).toMatchObject({ cot_tokens: 0, loops: 3, layers_stored: 1, layers_applied: 3 });
    expect(by['looped-cot']).toMatchObject({ cot_tokens: 0, loops: 6, layers_stored: 1, layers_applied: 6 });
    expect(by.deep).toMatchObject({ loops: null, layers_stored: 3, layers_applied: 3, params_applied: by.looped!.params_applied });
    expect(by.looped!.params_stored).toBeLessThan(by.deep!.params_stored!);
  });

  it('writes compare.md and compare.json, and refuses to overwrite them without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecot-compare-'));
    expect((await cli('compare', c17, '--samples', '2', '-o', dir)).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['compare.json', 'compare.md']);
    expect(readFileSync(join(dir, 'compare.md'), 'utf8')).toMatch(/\| +looped-cot \|/);
    const again = await cli('compare', c17, '--samples', '2', '-o', dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/compare\.md exists; pass --force/);
  });
});

const TINY = ['--families', 'modadd,cvp', '--sizes', 'modadd:1,2', '--sizes', 'cvp:8', '--inputs', '64'];

/** The result without its timings (what two runs of the same config must share). */
function untimed(r: ExperimentResult): unknown {
  return { ...r, seconds: 0, cpu_seconds: 0, load_average: 0, shard: null, cells: r.cells.map((c) => ({ ...c, seconds: 0 })) };
}

describe('gatecot experiment', () => {
  it('has the expected shape: a budget below the depth fails somewhere, CoT and loops = D never', async () => {
    const r = await cli('experiment', ...TINY, '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as ExperimentResult;
    expect(res.cells.map((c) => [c.family, c.n])).toEqual([['modadd', 1], ['modadd', 2], ['cvp', 8]]);
    for (const c of res.cells) {
      for (const k of ['gate_cot', 'looped_D', 'looped_cot']) expect(c.accuracy[k], `${c.family} ${c.n} ${k}`).toBe(1);
      expect(c.loops_looped).toBe(c.depth);
      expect(c.loops_looped_cot).toBe(c.gates);
      expect(c.cot_tokens_gate).toBe(c.gates);
      expect(c.cot_tokens_4tok).toBe(4 * c.gates);
      expect(c.layers_deep).toBe(c.depth);
      expect(c.settle_max).toBeLessThanOrEqual(c.depth);
      // A budget at least the depth is exact (values stay put once settled).
      for (const B of [4, 8, 16]) if (B >= c.depth) expect(c.accuracy[`budget_${B}`]).toBe(1);
    }
    const modadd2 = res.cells[1]!;
    expect(modadd2).toMatchObject({ gates: 23, depth: 12, trials: 64, trial_kind: 'all inputs' });
    expect(modadd2.accuracy.budget_4).toBeLessThan(1);
    expect(res.cells[2]).toMatchObject({ trial_kind: 'instances', trials: 64, input_bits: 0, gates: 8 });
  });

  it('two shards merged give the unsharded tables and plots', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gatecot-experiment-'));
    const [whole, s1, s2, merged] = ['whole', 's1', 's2', 'merged'].map((d) => join(base, d));
    expect((await cli('experiment', ...TINY, '-o', whole!)).code).toBe(0);
    expect((await cli('experiment', ...TINY, '--shard', '1/2', '-o', s1!)).code).toBe(0);
    expect((await cli('experiment', ...TINY, '--shard', '2/2', '-o', s2!)).code).toBe(0);
    const part = JSON.parse(readFileSync(join(s2!, 'experiment.json'), 'utf8')) as ExperimentResult;
    expect(part.shard).toEqual({ index: 2, count: 2 });
    expect(part.cells.map((c) => [c.family, c.n])).toEqual([['modadd', 2]]);
    // A merge of one shard lacks cells.
    const lacking = await cli('experiment', 'merge', s1!, '-o', join(base, 'x'));
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toMatch(/^gatecot: the parts lack 1 cell/);
    expect((await cli('experiment', 'merge', s1!, s2!, '-o', merged!)).code).toBe(0);
    const files = readdirSync(whole!).sort();
    expect(files).toEqual(['accuracy-cvp.svg', 'accuracy-modadd.svg', 'experiment.json', 'experiment.md', 'resources-cvp.svg', 'resources-modadd.svg']);
    expect(readdirSync(merged!).sort()).toEqual(files);
    const read = (d: string) => JSON.parse(readFileSync(join(d, 'experiment.json'), 'utf8')) as ExperimentResult;
    expect(untimed(read(merged!))).toEqual(untimed(read(whole!)));
    for (const svg of files.filter((f) => f.endsWith('.svg'))) expect(readFileSync(join(merged!, svg), 'utf8')).toBe(readFileSync(join(whole!, svg), 'utf8'));
    // --jobs 2: every cell in its own process (the built binary), the same result.
    const jobs = await cli('experiment', ...TINY, '--jobs', '2', '--json');
    expect(jobs.code).toBe(0);
    expect(untimed(JSON.parse(jobs.stdout) as ExperimentResult)).toEqual(untimed(read(whole!)));
    const again = await cli('experiment', 'merge', s1!, s2!, '-o', merged!);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
  });

  it('refuses bad input with exit 2 and one line', async () => {
    for (const args of [
      ['--families', 'modadd,nope'],
      ['--shard', '3/2'],
      ['--shard', 'x'],
      ['--shard', '0/2'],
      ['--inputs', '0'],
      ['--sizes', 'modadd:a'],
      ['--sizes', 'itersq:1', '--families', 'modadd'],
      ['--sizes', 'modadd:0'],
      ['--budgets', '4,-1'],
      ['--jobs', '2', '--shard', '1/2'],
      ['--jobs', '0'],
    ]) {
      const r = await cli('experiment', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gatecot: /);
      expect(r.stdout).toBe('');
    }
    const missing = await cli('experiment', 'merge', '/nonexistent-dir', '-o', join(tmpdir(), 'gatecot-never'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^gatecot: cannot read \/nonexistent-dir\/experiment\.json/);
    const bad = await cli('compare', '/nonexistent.bench');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
