// `gatecot trace` of a latent model (looped, looped-cot, deep; runtime/latent-trace.ts): the
// values the model reads out after every iteration, checked against independent references:
//   looped, deep   a host-side simulation of the parallel update rule from the circuit alone
//                  (value_0 = the inputs and 0 at every gate; value_t(w) = gate(value_{t-1}(a),
//                  value_{t-1}(b))), iteration by iteration, every wire, any loop count;
//   looped-cot     after t loops exactly gates 0..t-1 hold their final values, the rest 0;
//   all            the final values equal direct evaluation; changed / final re-derived.
// Also: the per-pass callback of the layer-major run leaves the forward pass as it was; the gate
// detail names the contract's targets and the units the operands select; the terminal lines,
// --gate by name or index, --loops K|auto and the exit codes; the HTML page (self-contained,
// every iteration's data, a slider, escaped labels; in headless Chromium when it is installed).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOp, evalOne, type Circuit, type OpCode } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { latentPageHtml, latentTraceOfPage, layoutCircuit } from '../cli/html/index.js';
import { loadCircuit } from '../cli/files.js';
import { circuitDepth, compileLatent, type LatentKind } from '../compiler/index.js';
import { bindCompiled, type Bound } from '../model/index.js';
import { CpuEngine, forwardLayerMajor, parseArith, prepare, promptOf, type Engine } from '../runtime/index.js';
import { traceLatent, type LatentTraceData } from '../runtime/latent-trace.js';
import { hasChromium, inCI, openPage, useBrowser } from './browser.js';
import { cli } from './cli-helpers.js';
import { compareEngine } from '../cli/commands/trace-latent.js';
import { renderLatentText } from '../cli/trace-text-latent.js';
import { shared } from './shared.js';

declare const document: any;

const c17File = shared('iscas85/c17.bench');
const c17 = loadCircuit(c17File);
const rnd = generate('random', { inputs: '6', gates: '24', seed: '5' });
const consts = generate('random', { inputs: '5', gates: '20', seed: '2', mix: 'AND=3,OR=2,NOT=1,BUF=1,CONST0=1,CONST1=1,XOR=1' });
const dir = mkdtempSync(join(tmpdir(), 'gatecot-trace-latent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bound(c: Circuit, kind: LatentKind): Bound {
  return bindCompiled(compileLatent(c, kind), c);
}

function bitsOf(n: number, x: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (x >> i) & 1);
}

/** Some inputs: all of them up to 2^6, else a spread. */
function inputsOf(c: Circuit): Uint8Array[] {
  const n = c.nInputs;
  const count = Math.min(1 << n, 64);
  return Array.from({ length: count }, (_, k) => bitsOf(n, n <= 6 ? k : (k * 2654435761) >>> (32 - n)));
}

/** The parallel update rule, from the circuit alone: the values after 0..T iterations. */
function parallelRule(c: Circuit, bits: Uint8Array, T: number): string[] {
  const n = c.nInputs;
  let v = [...bits, ...new Array<number>(c.ops.length).fill(0)];
  const out = [v.join('')];
  for (let t = 1; t <= T; t++) {
    const next = v.slice();
    c.ops.forEach((op, g) => {
      const a = c.a[g]!;
      const b = c.b[g]!;
      next[n + g] = applyOp(op as OpCode, a >= 0 ? v[a]! : 0, b >= 0 ? v[b]! : 0);
    });
    v = next;
    out.push(v.join(''));
  }
  return out;
}

function direct(c: Circuit, bits: Uint8Array): string {
  return Array.from(evalOne(c, bits).subarray(0, c.nInputs + c.ops.length)).join('');
}

/** changed, final and final_from, re-derived from the values alone. */
function checkBookkeeping(t: LatentTraceData): void {
  const its = t.iterations;
  const last = its[its.length - 1]!.values;
  const W = last.length;
  its.forEach((it, i) => {
    expect(it.t).toBe(i);
    const prev = i > 0 ? its[i - 1]!.values : it.values;
    expect(it.changed).toEqual([...Array(W).keys()].filter((w) => it.values[w] !== prev[w]));
    const final = [...Array(W).keys()].filter((w) => its.slice(i).every((x) => x.values[w] === last[w]));
    expect(it.final).toBe(final.length);
    for (let w = 0; w < W; w++) expect(t.final_from[w]! <= i).toBe(final.includes(w));
  });
}

describe('the layer-major run with a per-pass callback', () => {
  it('leaves the forward pass bit for bit as it was, and reports every applied layer', () => {
    for (const kind of ['looped', 'looped-cot', 'deep'] as LatentKind[]) {
      const m = compileLatent(rnd, kind);
      const b = bindCompiled(m, rnd);
      for (const arith of ['f32', 'fixed:2']) {
        const pm = prepare(m, parseArith(arith));
        const seqs = inputsOf(rnd).slice(0, 5).map((x) => promptOf(b, x));
        const plain = forwardLayerMajor(pm, seqs, { logits: true });
        const passes: number[] = [];
        const detailed: number[][] = [];
        const withCb = forwardLayerMajor(pm, seqs, {
          logits: true,
          detailAt: (i) => i === 9,
          onPass: (p) => {
            passes.push(p.stored);
            detailed.push([...p.details.keys()]);
            expect(p.H.length).toBe(seqs.length * seqs[0]!.length * pm.d);
            for (const d of p.details.values()) expect(d.heads.map((h) => h.weights.length)).toEqual(m.layers[0]!.heads.map(() => 10));
          },
        });
        expect(withCb.argmax).toEqual(plain.argmax);
        expect(withCb.logits).toEqual(plain.logits);
        expect(passes).toEqual([-1, ...pm.stored]);
        expect(detailed).toEqual([[], ...pm.stored.map(() => [9])]);
      }
    }
  });
});

describe('the values per iteration', () => {
  it('looped and deep: every wire after every iteration is the parallel update rule (f32 and fixed:2)', () => {
    for (const c of [c17, rnd, consts]) {
      for (const kind of ['looped', 'deep'] as LatentKind[]) {
        const b = bound(c, kind);
        const D = circuitDepth(c);
        for (const arith of ['f32', 'fixed:2']) {
          const inputs = arith === 'f32' ? inputsOf(c) : inputsOf(c).slice(0, 6);
          for (const x of inputs) {
            const t = traceLatent(b, x, { arith, gates: [] });
            expect(t.iterations.map((i) => i.values)).toEqual(parallelRule(c, x, D));
            expect(t.iterations.map((i) => i.layers)).toEqual([[], ...Array.from({ length: D }, (_, l) => [kind === 'deep' ? l : 0])]);
            expect(t.iterations[D]!.values).toBe(direct(c, x));
            expect(t.expected).toBe(direct(c, x));
            expect(t.wrong).toEqual([]);
            expect(t.outputs.ok).toBe(true);
            checkBookkeeping(t);
          }
        }
      }
    }
  });

  it('looped with --loops K (too few, too many) and auto: still the rule, iteration by iteration', () => {
    for (const c of [c17, rnd]) {
      const b = bound(c, 'looped');
      const D = circuitDepth(c);
      for (const x of inputsOf(c).slice(0, 16)) {
        for (const K of [1, D - 1, D + 7]) {
          const t = traceLatent(b, x, { loops: K, gates: [] });
          expect(t.iterations.map((i) => i.values)).toEqual(parallelRule(c, x, K));
          expect(t.loops).toEqual({ run: K, source: 'given', model: D, model_is: 'depth' });
          checkBookkeeping(t);
        }
        const auto = traceLatent(b, x, { loops: 'auto', gates: [] });
        const run = auto.iterations.length - 1;
        expect(auto.loops).toEqual({ run, source: 'auto', model: D, model_is: 'depth', settled: run - 1 });
        expect(auto.iterations.map((i) => i.values)).toEqual(parallelRule(c, x, run));
        expect(auto.iterations[run]!.changed).toEqual([]);
        expect(auto.iterations[run]!.values).toBe(direct(c, x));
        expect(run).toBeLessThanOrEqual(D + 1);
      }
    }
    // too few loops: some input leaves a wire wrong, and the trace says which
    const few = inputsOf(c17).map((x) => traceLatent(bound(c17, 'looped'), x, { loops: circuitDepth(c17) - 1, gates: [] }));
    expect(few.some((t) => t.wrong.length > 0 && !t.outputs.ok)).toBe(true);
    for (const t of few) expect(t.wrong).toEqual([...t.expected].flatMap((v, w) => (t.iterations[t.iterations.length - 1]!.values[w] === v ? [] : [w])));
  });

  it('looped-cot: after t loops exactly gates 0..t-1 hold their final values and the rest 0', () => {
    for (const c of [c17, rnd, consts]) {
      const b = bound(c, 'looped-cot');
      const n = c.nInputs;
      const G = c.ops.length;
      for (const arith of ['f32', 'fixed:2']) {
        for (const x of inputsOf(c).slice(0, arith === 'f32' ? 32 : 4)) {
          const want = direct(c, x);
          const t = traceLatent(b, x, { arith, gates: [] });
          expect(t.iterations.length).toBe(G + 1);
          t.iterations.forEach((it, k) => {
            const expectNow = want.slice(0, n) + [...Array(G).keys()].map((g) => (g < k ? want[n + g] : '0')).join('');
            expect(it.values).toBe(expectNow);
          });
          expect(t.wrong).toEqual([]);
          checkBookkeeping(t);
        }
      }
    }
  });

  it('agrees with the engine: the last iteration is the forward pass of the CPU engine', async () => {
    for (const kind of ['looped', 'looped-cot', 'deep'] as LatentKind[]) {
      const b = bound(rnd, kind);
      const x = inputsOf(rnd)[11]!;
      const r = await new CpuEngine(b.model, 'f32').forward([promptOf(b, x)]);
      const t = traceLatent(b, x, { gates: [] });
      const last = t.iterations[t.iterations.length - 1]!.values;
      expect(t.wire_pos.map((p) => b.model.vocab[r.argmax[0]![p]!]).join('')).toBe(last);
    }
  });
});

describe('the gate detail', () => {
  it("names the contract's targets, one-hot on them, and the minterm of the operands' previous values", () => {
    for (const kind of ['looped', 'deep', 'looped-cot'] as LatentKind[]) {
      const b = bound(c17, kind);
      const n = c17.nInputs;
      const x = bitsOf(5, 13);
      const t = traceLatent(b, x);
      expect(t.details.map((d) => d.gate)).toEqual([...c17.ops.keys()]);
      for (const d of t.details) {
        const p = b.seq.valuePos[d.wire]!;
        expect(d.steps.map((s) => s.t)).toEqual(t.iterations.slice(1).map((i) => i.t));
        for (const s of d.steps) {
          const it = t.iterations[s.t]!;
          const prev = t.iterations[s.t - 1]!;
          expect(s.before).toBe(prev.values[d.wire]);
          expect(s.after).toBe(it.values[d.wire]);
          expect(s.a).toBe(prev.values[c17.a[d.gate]!]);
          expect(s.b).toBe(prev.values[c17.b[d.gate]!]);
          const l = it.layers[0]!;
          expect(s.heads.map((h) => h.target)).toEqual(b.seq.targets[l]!.map((tg) => tg[p]));
          expect(s.heads.map((h) => h.layer)).toEqual(b.seq.targets[l]!.map(() => l));
          for (const h of s.heads) {
            expect(h.target_weight).toBe(1);
            expect(h.top[0]!.pos).toBe(h.target);
          }
          // fetch_a / fetch_b returned the operands' previous values
          expect(s.heads[0]!.out[0]).toBeCloseTo(Number(s.a), 6);
          expect(s.heads[1]!.out[0]).toBeCloseTo(Number(s.b), 6);
          if (kind !== 'looped-cot') {
            // one minterm unit per (a, b), gated by the truth table: it fires when the gate gives 1
            expect(s.fired.filter((u) => u.startsWith('minterm'))).toEqual(s.after === '1' ? [`minterm a=${s.a} b=${s.b}`] : []);
            expect(s.after).toBe(String(applyOp(c17.ops[d.gate] as OpCode, Number(s.a), Number(s.b))));
            expect(s.fired.includes('forget old value')).toBe(s.before === '1');
          } else {
            // gate g fires in loop g + 1 only
            expect(s.fired.some((u) => u.startsWith('minterm'))).toBe(s.t === d.gate + 1 && s.after === '1');
            expect(s.fired.includes('finish')).toBe(s.t === d.gate + 1);
          }
        }
        expect(d.wire).toBe(n + d.gate);
      }
    }
  });
});

describe('gatecot trace of a latent model (CLI)', () => {
  it('prints one line per iteration, then the wires and outputs against direct evaluation', async () => {
    const r = await cli('trace', c17File, '--mode', 'looped', '--bits', '10110');
    expect(r.code).toBe(0);
    const t = traceLatent(bound(c17, 'looped'), Uint8Array.from([1, 0, 1, 1, 0]), { gates: [] });
    const names = (ws: number[]) => ws.map((w) => c17.wireNames![w]);
    const lines = r.stdout.split('\n');
    expect(lines).toContain(`iter 0 (embedding): final ${t.iterations[0]!.final}/11 wires`);
    for (const it of t.iterations.slice(1)) {
      const changed = it.changed.length ? `changed ${names(it.changed).join(' ')}` : 'changed nothing';
      expect(lines).toContain(`iter ${it.t}: ${changed}; final ${it.final}/11 wires`);
    }
    expect(r.stdout).toMatch(/^iter 1: changed G16gat G19gat G22gat G23gat; final 10\/11 wires$/m);
    expect(r.stdout).toContain('wires: the readout matches direct evaluation at 11/11 wires');
    expect(r.stdout).toContain('outputs match direct evaluation');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('--gate by name or index details one gate under each iteration', async () => {
    const byName = await cli('trace', c17File, '--mode', 'looped', '--bits', '10110', '--gate', 'G16gat');
    const byIndex = await cli('trace', c17File, '--mode', 'looped', '--bits', '10110', '--gate', '2');
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe(byIndex.stdout);
    expect(byName.stdout).toMatch(/^ {4}G16gat = NAND\(G2gat=0, G11gat=0\): 0 -> 1 \(changes\)$/m);
    expect(byName.stdout).toMatch(/^ {4}fetch_a@2:1\.00=0 {2}fetch_b@7:1\.00=0$/m);
    expect(byName.stdout).toMatch(/^ {4}ff minterm a=0 b=0, clear val_a, clear val_b$/m);
    const cot = await cli('trace', c17File, '--mode', 'looped-cot', '--bits', '10110', '--gate', 'G19gat');
    expect(cot.code).toBe(0);
    for (const r of [byName, cot]) for (const l of r.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(cot.stdout).toMatch(/^iter 4: changed G19gat; final 10\/11 wires\n {4}G19gat = NAND\(G11gat=0, G7gat=0\): 0 -> 1 \(changes\)\n {4}fetch_a@7:1\.00=0 {2}fetch_b@5:1\.00=0 {2}fetch_prev@8:1\.00=1$/m);
    // the CoT trace takes a gate's name too
    const gateCot = await cli('trace', c17File, '--bits', '10110', '--cot', 'gate', '--gate', 'G22gat');
    expect(gateCot.stdout).toBe((await cli('trace', c17File, '--bits', '10110', '--cot', 'gate', '--gate', '4')).stdout);
  });

  it('--loops K|auto on a compiled file, --json, and the exit codes', async () => {
    const file = join(dir, 'l.safetensors');
    expect((await cli('compile', c17File, '--mode', 'looped', '-o', file)).code).toBe(0);
    const few = await cli('trace', file, '--bits', '10110', '--loops', '1');
    expect(few.code).toBe(1);
    expect(few.stdout).toMatch(/^loops: the block applied 1 time \(--loops; the model's own count: 3 = depth\)$/m);
    expect(few.stdout).toMatch(/^WIRES WRONG at 1\/11 \(readout vs direct evaluation\): G23gat$/m);
    expect(few.stdout).toContain('OUTPUTS DIFFER');
    const auto = await cli('trace', file, '--bits', '10110', '--loops', 'auto');
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain('the loop settled after 2 iterations (iteration 3 changed nothing in the residual)');
    const many = await cli('trace', file, '--bits', '10110', '--loops', '1000');
    expect(many.code).toBe(0);
    expect(many.stdout).toMatch(/^iter 3-1000: changed nothing; final 11\/11 wires$/m);
    const j = await cli('trace', file, '--bits', '10110', '--json', '--gate', 'G19gat');
    expect(j.code).toBe(0);
    const t = JSON.parse(j.stdout) as LatentTraceData;
    expect(t.kind).toBe('latent');
    expect(t.details.map((d) => d.label)).toEqual(['G19gat']);
    expect(t.iterations.map((i) => i.values)).toEqual(parallelRule(c17, Uint8Array.from([1, 0, 1, 1, 0]), 3));
    const deep = join(dir, 'd.safetensors');
    expect((await cli('compile', c17File, '--mode', 'deep', '-o', deep)).code).toBe(0);
    expect((await cli('trace', deep, '--bits', '10110')).code).toBe(0);
    for (const [args, msg] of [
      [[file, '--bits', '10110', '--loops', '0'], '--loops must be at least 1'],
      [[file, '--bits', '10110', '--loops', '-3'], '--loops must be at least 1'],
      [[file, '--bits', '10110', '--loops', '99999999'], 'beyond the limit'],
      [[file, '--bits', '10110', '--loops', 'many'], '--loops must be a whole number or auto'],
      [[deep, '--bits', '10110', '--loops', '2'], 'this model has no loop'],
      [[deep, '--bits', '10110', '--loops', 'auto'], 'this model has no loop'],
      [[c17File, '--bits', '10110', '--loops', '2'], 'this model has no loop'],
      [[file, '--bits', '10110', '--gate', 'G99gat'], "no gate named 'G99gat'"],
      [[file, '--bits', '10110', '--gate', '6'], '--gate must be'],
      [[file, '--bits', '10110', '--window', '3'], '--window applies to'],
      [[file, '--bits', '101'], ''],
      [[file, '--bits', '10110', '--backend', 'nope'], '--backend must be'],
    ] as [string[], string][]) {
      const r = await cli('trace', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  });
});

describe('another engine than the CPU reference', () => {
  it('is compared wire by wire with the last iteration, and the terminal says where they differ', async () => {
    const b = bound(c17, 'looped');
    const x = Uint8Array.from([1, 0, 1, 1, 0]);
    const cpu = new CpuEngine(b.model, 'f32');
    // An engine that answers like the CPU but for one flipped wire (G23gat, position 11).
    const flipped: Engine = {
      backend: 'webgpu',
      arith: 'f32',
      description: 'a stand-in',
      forward: async (seqs) => {
        const r = await cpu.forward(seqs);
        r.argmax[0]![11] = 1 - r.argmax[0]![11]!;
        return r;
      },
      generate: (p, s) => cpu.generate(p, s),
      dispose: () => {},
    };
    const same = traceLatent(b, x);
    await compareEngine({ ...flipped, forward: (seqs) => cpu.forward(seqs) }, b, x, same);
    expect(same.engines!.disagreements).toEqual([]);
    expect(renderLatentText(same)).toContain('webgpu f32 reads the same value at every wire as the CPU reference');
    const t = traceLatent(b, x);
    await compareEngine(flipped, b, x, t);
    expect(t.engines).toEqual({
      values: { backend: 'webgpu', arith: 'f32', description: 'a stand-in' },
      details: { backend: 'cpu', arith: 'f32', description: 'CPU reference (f32)' },
      disagreements: [10],
    });
    expect(renderLatentText(t)).toMatch(/^ENGINES DISAGREE at 1 wires: G23gat$/m);
  });
});

describe('the latent trace page', () => {
  it('embeds every iteration (exactly the JSON of --json), a slider, and nothing from outside', async () => {
    const file = join(dir, 'c17.html');
    const args = [c17File, '--mode', 'looped-cot', '--bits', '01101'];
    const r = await cli('trace', ...args, '--html', file);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`wrote ${file}: `)).toBe(true);
    expect(r.stdout).toMatch(/: latent trace viewer of 6 iterations, 0\.\d MB\n$/);
    const html = readFileSync(file, 'utf8');
    const j = await cli('trace', ...args, '--json');
    const json = JSON.parse(j.stdout) as LatentTraceData;
    expect(latentTraceOfPage(html)).toEqual(json);
    expect(json.iterations).toHaveLength(7);
    expect(json.details).toHaveLength(6);
    expect(html).toMatch(/<input id="iter" type="range" min="0" max="0" value="0" aria-label="iteration">/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'/);
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
    expect(markup).not.toMatch(/<(link|img|iframe|object|embed|base|source|video|audio)\b/i);
    expect(markup).not.toMatch(/\s(src|href|srcset|action|data)\s*=/i);
    for (const m of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
      expect(m[1]).not.toMatch(/\bimport\s*\(|\bfetch\(|XMLHttpRequest|WebSocket|EventSource|new Worker|new Image|\.src\s*=|\blocation\b|sendBeacon/);
      expect(() => new Function(m[1]!)).not.toThrow();
    }
    expect([...new Set(html.match(/\b(https?|wss?|ftp):\/\/[^\s"'<>)]*/g) ?? [])]).toEqual(['http://www.w3.org/2000/svg']);
    expect((await cli('trace', ...args, '--html', file)).code).toBe(2); // exists: --force overwrites
    expect((await cli('trace', ...args, '--html', file, '--force')).code).toBe(0);
  });

  it('escapes every label: a circuit named and wired with markup stays text', async () => {
    const evil = '</title><script>alert(1)</script><img src=x onerror=alert(2)>';
    const c: Circuit = { ...c17, name: evil, wireNames: c17.wireNames!.map((w, i) => (i === 7 ? `${evil}&amp;` : w)) };
    const t = traceLatent(bound(c, 'looped'), bitsOf(5, 3));
    const html = latentPageHtml(t, await layoutCircuit(t.circuit));
    expect(html).toContain('<title>gatecot latent trace: &#60;/title&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62;</title>');
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
    expect(markup).not.toMatch(/<img|<\/title><script|onerror=alert\(2\)>/);
    expect(latentTraceOfPage(html).circuit.gates[2]!.label).toBe(`${evil}&amp;`);
    writeFileSync(join(dir, 'evil.html'), html);
  });
});


it.runIf(!hasChromium)('(the browser tests need /usr/bin/chromium: skipped here, a failure under CI=true)', () => {
  expect(inCI).toBe(false);
});

describe.runIf(hasChromium)('the latent trace page in headless Chromium', () => {
  const browser = useBrowser();

  const open = (file: string) => openPage(browser(), file);

  it('moves over the iterations with the slider and keys, showing what the JSON says', async () => {
    const file = join(dir, 'browser.html');
    expect((await cli('trace', c17File, '--mode', 'looped', '--bits', '10110', '--html', file)).code).toBe(0);
    const t = latentTraceOfPage(readFileSync(file, 'utf8'));
    const N = t.iterations.length;
    const { page, requests, errors, url } = await open(file);
    const shown = () => page.evaluate(() => ({
      iter: Number(document.body.dataset.iter),
      slider: [document.querySelector('#iter').value, document.querySelector('#iter').max],
      line: document.querySelector('#iter-line').textContent,
      chips: [...document.querySelectorAll('#changed .chip')].map((c: any) => Number(c.dataset.wire)),
      outputs: [...document.querySelectorAll('#outputs tr')].slice(1).map((r: any) => r.children[2].textContent),
      gate: document.querySelector('#gate').textContent,
      current: document.querySelector('#overlay [data-role="current"]')?.getAttribute('data-wire') ?? null,
    }));
    const expectIter = async (k: number) => {
      const s = await shown();
      const it = t.iterations[k]!;
      expect(s.iter).toBe(k);
      expect(s.slider).toEqual([String(k), String(N - 1)]);
      expect(s.line).toContain(`iteration ${k}: `);
      expect(s.line).toContain(`final ${it.final}/11 wires`);
      expect(s.chips).toEqual(it.changed);
      expect(s.outputs).toEqual(t.circuit.outputs.flatMap((o) => o.wires).map((w) => it.values[w]));
    };
    await expectIter(0);
    await page.evaluate(() => {
      const s = document.querySelector('#iter');
      s.value = '2';
      s.dispatchEvent(new Event('input'));
    });
    await expectIter(2);
    await page.keyboard.press('ArrowLeft');
    await expectIter(1);
    await page.keyboard.press('End');
    await expectIter(N - 1);
    await page.click('#first');
    await expectIter(0);
    await page.click('#next');
    await expectIter(1);
    // the gate panel: G16gat's heads and units in iteration 1
    await page.fill('#gate-input', 'G16gat');
    await page.press('#gate-input', 'Enter');
    const s = await shown();
    expect(s.current).toBe('7');
    expect(s.gate).toContain('operands before this iteration: G2gat = 0, G11gat = 0; value 0 → 1 (changes)');
    expect(s.gate).toContain('feed-forward units that fired: minterm a=0 b=0, clear val_a, clear val_b');
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a hostile label as text', async () => {
    const { page, errors } = await open(join(dir, 'evil.html'));
    await page.click('#next');
    const chips = await page.evaluate(() => [...document.querySelectorAll('#changed .chip')].map((c: any) => c.textContent));
    expect(chips.some((x: string) => x.includes('<img src=x onerror=alert(2)>&amp;'))).toBe(true);
    await page.fill('#gate-input', '2');
    await page.press('#gate-input', 'Enter');
    expect(await page.textContent('#gate')).toContain('<script>alert(1)</script><img src=x onerror=alert(2)>&amp; = NAND(');
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(await page.title()).toContain('<script>alert(1)</script>');
    expect(errors).toEqual([]);
    await page.close();
  });
});
