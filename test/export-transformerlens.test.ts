// gatecot export MODEL --to transformerlens -o DIR: the config and state dict in TransformerLens's
// names and shapes, and the layout checked by running it: examples/python/transformerlens.py
// --engine numpy computes TransformerLens's forward pass (its einsums, no LayerNorm, no attention
// scaling) over the exported state dict, and its argmax at every position must be gatecot's CPU
// reference's, its outputs direct evaluation's, and every head of circuit_map.json must attend to
// its target. With torch and transformer_lens importable, the real HookedTransformer does the same
// (otherwise skipped with a line; neither is installed in CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalOutputsOne, parseCircuitText, writeCvp, type Circuit } from '../circuits/index.js';
import { generate as generateCircuit } from '../circuits/gen/index.js';
import { compile, compileLatent, compileUniform, compileUniformLooped, modelToBytes } from '../compiler/index.js';
import { decodeSafetensors, type Model } from '../model/index.js';
import type { TlConfig, TlNotes } from '../model/export/index.js';
import { CpuEngine } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, repoRoot } from './shared.js';

const SCRIPT = join(repoRoot, 'examples', 'python', 'transformerlens.py');
const dir = mkdtempSync(join(tmpdir(), 'gatecot-tl-'));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const hasTorch = hasNumpy && spawnSync('python3', ['-c', 'import torch, transformer_lens'], { encoding: 'utf8' }).status === 0;
if (!hasNumpy) console.log('export-transformerlens.test: python3 with numpy not found: the TransformerLens layout is not run here');
if (!hasTorch) console.log('export-transformerlens.test: torch and transformer_lens are not importable: the HookedTransformer test is skipped (the numpy one runs)');

const c17 = loadShared('iscas85/c17.bench');
const adder = generateCircuit('adder', { width: '3' });

function writeModel(m: Model, name: string): string {
  const path = join(dir, `${name}.safetensors`);
  writeFileSync(path, modelToBytes(m));
  return path;
}

async function exportTl(model: string, out: string, ...extra: string[]): Promise<{ config: TlConfig; notes: TlNotes; tensors: Map<string, { shape: number[]; data: Float32Array }> }> {
  const r = await cli('export', model, '--to', 'transformerlens', '-o', out, ...extra);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^wrote .*circuit_map\.json/);
  for (const f of ['config.json', 'state_dict.safetensors', 'circuit_map.json', 'README.md']) expect(existsSync(join(out, f)), f).toBe(true);
  const { tensors, metadata } = decodeSafetensors(readFileSync(join(out, 'state_dict.safetensors')));
  return { config: JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as TlConfig, notes: JSON.parse(metadata.gatecot_export!) as TlNotes, tensors };
}

interface PyRun {
  tokens: number[];
  argmax: number[];
  outputs: string;
  direct: string;
}

function runPython(out: string, engine: 'numpy' | 'torch', args: string[]): { status: number | null; stdout: string; stderr: string; runs: PyRun[] } {
  const r = spawnSync('python3', [SCRIPT, out, '--engine', engine, ...args], { encoding: 'utf8', timeout: 120_000 });
  const runs: PyRun[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(run|tokens|argmax|outputs|direct): ?(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'run') runs.push({ tokens: [], argmax: [], outputs: '', direct: '' });
    const cur = runs[runs.length - 1]!;
    if (m[1] === 'tokens' || m[1] === 'argmax') cur[m[1]] = m[2]!.split(' ').map(Number);
    else if (m[1] === 'outputs' || m[1] === 'direct') cur[m[1]] = m[2]!;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, runs };
}

/**
 * The exported folder run by transformerlens.py: tokens and the argmax at every position equal to
 * gatecot's CPU reference (teacher-forced over the same sequence, the same loop count), outputs
 * to direct evaluation of `c` on `bits`, every mapped head on its target.
 */
async function checkRun(engine: 'numpy' | 'torch', m: Model, out: string, c: Circuit, bits: Uint8Array[], args: string[], loops?: number): Promise<void> {
  const r = runPython(out, engine, args);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/^attention: \d+ head targets of circuit_map\.json checked, least weight on a target [\d.]+: all above 0\.5$/m);
  expect(r.runs).toHaveLength(bits.length);
  const cpu = new CpuEngine(m, 'f32', loops !== undefined ? { loops } : {});
  const seqs = r.runs.map((x) => Int32Array.from(x.tokens));
  const { argmax } = await cpu.forward(seqs);
  if (m.meta.readout !== 'argmax') {
    const P = m.meta.mode === 'uniform' ? (seqs[0]!.length + 1) / 2 : m.meta.prompt.length; // uniform: S = 1 + 8W, P = 1 + 4W
    const gen = await cpu.generate(seqs.map((s) => s.slice(0, P)), seqs[0]!.length - P);
    gen.forEach((g, i) => expect(Array.from(g)).toEqual(r.runs[i]!.tokens));
  }
  r.runs.forEach((run, i) => {
    expect(run.argmax).toEqual(Array.from(argmax[i]!));
    expect(run.direct).toBe(Array.from(evalOutputsOne(c, bits[i]!)).join(''));
    expect(run.outputs).toBe(run.direct);
  });
}

describe('gatecot export --to transformerlens', () => {
  it('c17 4tok: TransformerLens names and shapes, heads padded to one d_head with zeros, the MLP to d_mlp', async () => {
    const m = compile(c17, { cot: '4tok' });
    const { config, notes, tensors } = await exportTl(writeModel(m, 'c17'), join(dir, 'tl-c17'));
    const d = m.d;
    const D = Math.max(...m.layers[0]!.heads.map((h) => Math.max(h.dk, h.dv)));
    expect(config).toMatchObject({ n_layers: 1, d_model: d, d_head: D, n_heads: 2, d_mlp: 4, d_vocab: 14, n_ctx: 30, act_fn: 'relu', normalization_type: null, positional_embedding_type: 'standard', use_attn_scale: false, attn_only: false });
    expect(notes.applied_layers).toEqual([0]);
    expect(notes.loops).toBeNull();
    const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      'embed.W_E': [14, d], 'pos_embed.W_pos': [30, d],
      'blocks.0.attn.W_Q': [2, d, D], 'blocks.0.attn.W_K': [2, d, D], 'blocks.0.attn.W_V': [2, d, D], 'blocks.0.attn.W_O': [2, D, d],
      'blocks.0.attn.b_Q': [2, D], 'blocks.0.attn.b_K': [2, D], 'blocks.0.attn.b_V': [2, D], 'blocks.0.attn.b_O': [d],
      'blocks.0.mlp.W_in': [d, 4], 'blocks.0.mlp.b_in': [4], 'blocks.0.mlp.W_out': [4, d], 'blocks.0.mlp.b_out': [d],
      'unembed.W_U': [d, 14], 'unembed.b_U': [14],
    });
    // W_Q[h][i][j] = w_q[j][i]; columns past dk zero; W_O[h][j][i] = w_o[i][j]; W_U = unembed^T
    const h0 = m.layers[0]!.heads[0]!;
    const wq = tensors.get('blocks.0.attn.W_Q')!.data;
    const wo = tensors.get('blocks.0.attn.W_O')!.data;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < D; j++) expect(wq[i * D + j]).toBe(j < h0.dk ? h0.wq[j * d + i] : 0);
    }
    for (let j = 0; j < D; j++) for (let i = 0; i < d; i++) expect(wo[j * d + i]).toBe(j < h0.dv ? h0.wo[i * h0.dv + j] : 0);
    const wu = tensors.get('unembed.W_U')!.data;
    for (let v = 0; v < 14; v++) for (let i = 0; i < d; i++) expect(wu[i * 14 + v]).toBe(m.unembed[v * d + i]);
    expect(Array.from(tensors.get('blocks.0.attn.b_Q')!.data).every((x) => x === 0)).toBe(true);
  });

  it('a looped model is unrolled: blocks.L is stored layer applied_layers[L]; --loops K unrolls K times', async () => {
    const m = compileLatent(c17, 'looped');
    const a = await exportTl(writeModel(m, 'c17-looped'), join(dir, 'tl-looped'));
    expect(a.config.n_layers).toBe(3);
    expect(a.notes).toMatchObject({ applied_layers: [0, 0, 0], loops: 3 });
    expect(a.tensors.get('blocks.2.attn.W_Q')!.data).toEqual(a.tensors.get('blocks.0.attn.W_Q')!.data);
    const b = await exportTl(writeModel(m, 'c17-looped'), join(dir, 'tl-looped-5'), '--loops', '5');
    expect(b.config.n_layers).toBe(5);
    const map = JSON.parse(readFileSync(join(dir, 'tl-looped-5', 'circuit_map.json'), 'utf8')) as { applied_layers: number[] };
    expect(map.applied_layers).toEqual([0, 0, 0, 0, 0]);
    expect(readFileSync(join(dir, 'tl-looped-5', 'README.md'), 'utf8')).toMatch(/UNROLLED/);
  });

  it('bad input: one line, exit 2', async () => {
    const model = writeModel(compile(c17, { cot: 'gate' }), 'c17-gate');
    const uni = writeModel(compileUniform(8), 'uniform-8');
    const out = join(dir, 'tl-bad');
    await exportTl(model, out);
    const cases: [string[], RegExp][] = [
      [['export', model, '--to', 'tensorflow', '-o', join(dir, 'x')], /unknown --to 'tensorflow'/],
      [['export', model, '--to', 'transformerlens', '-o', out], /exists; pass --force/],
      [['export', uni, '--to', 'transformerlens', '-o', join(dir, 'y')], /uniform model: .*--circuit FILE/],
      [['export', model, '--to', 'transformerlens', '-o', join(dir, 'z'), '--loops', '2'], /no loop/],
      [['export', model, '--to', 'transformerlens', '-o', join(dir, 'z'), '--circuit', model], /--circuit goes with a uniform model/],
      [['export', join(repoRoot, 'README.md'), '--to', 'transformerlens', '-o', join(dir, 'z')], /not a gatecot model file/],
      [['export', model, '--to', 'transformerlens', '-o', join(dir, 'no', 'such', 'dir')], /does not exist/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    expect((await cli('export', model, '--to', 'transformerlens', '-o', out, '--force')).code).toBe(0);
  });
});

for (const engine of ['numpy', 'torch'] as const) {
  describe.runIf(engine === 'numpy' ? hasNumpy : hasTorch)(`examples/python/transformerlens.py --engine ${engine}`, () => {
    const bits = ['10110', '01001', '11111'].map((s) => Uint8Array.from(s, Number));
    const bitArgs = bits.flatMap((b) => ['--bits', Array.from(b).join('')]);

    it('c17 4tok and gate CoT: the CoT, the argmax at every position and the attention as gatecot\'s', async () => {
      for (const cot of ['4tok', 'gate'] as const) {
        const m = compile(c17, { cot });
        const out = join(dir, `run-c17-${cot}-${engine}`);
        await exportTl(writeModel(m, `c17-${cot}`), out);
        await checkRun(engine, m, out, c17, bits, bitArgs);
      }
    });

    it('an adder (gate CoT)', async () => {
      const m = compile(adder, { cot: 'gate' });
      const out = join(dir, `run-adder-${engine}`);
      await exportTl(writeModel(m, 'adder'), out);
      const xs = ['101011', '111111'].map((s) => Uint8Array.from(s, Number));
      await checkRun(engine, m, out, adder, xs, xs.flatMap((b) => ['--bits', Array.from(b).join('')]));
    });

    for (const kind of ['looped', 'looped-cot', 'deep'] as const) {
      it(`c17 ${kind}, unrolled`, async () => {
        const m = compileLatent(c17, kind);
        const out = join(dir, `run-c17-${kind}-${engine}`);
        await exportTl(writeModel(m, `c17-${kind}`), out);
        await checkRun(engine, m, out, c17, bits, bitArgs);
      });
    }

    it('uniform (capacity 16) and uniform looped (unrolled 16 times) on c17 as cvp text', async () => {
      const cvp = join(dir, 'c17.cvp');
      const text = writeCvp(c17, bits[0]!);
      writeFileSync(cvp, text);
      const folded = parseCircuitText(text, { format: 'cvp' });
      for (const [m, name] of [[compileUniform(16), 'u16'], [compileUniformLooped(16), 'ul16']] as const) {
        const out = join(dir, `run-${name}-${engine}`);
        await exportTl(writeModel(m, name), out, '--circuit', cvp);
        await checkRun(engine, m, out, folded, [new Uint8Array(0)], ['--circuit', cvp], m.meta.loop ? 16 : undefined);
      }
    });

    it('a miscompiled model (weak-scale: attention cannot pick its target) fails the check, exit 1', async () => {
      const m = compile(c17, { cot: '4tok', fault: 'weak-scale' });
      const out = join(dir, `run-weak-${engine}`);
      await exportTl(writeModel(m, 'c17-weak'), out);
      const r = runPython(out, engine, bitArgs);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^attention: .* below 0\.5, first wire/m);
      expect(r.stdout).toMatch(/do NOT all agree/);
    });
  });
}

it.runIf(hasNumpy && !hasTorch)('transformerlens.py without torch: one skip line, exit 0', async () => {
  const out = join(dir, 'skip');
  await exportTl(writeModel(compile(c17, { cot: 'gate' }), 'c17-skip'), out);
  const r = spawnSync('python3', [SCRIPT, out, '--bits', '10110'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).toMatch(/^skip: torch and transformer_lens are not importable/);
});
