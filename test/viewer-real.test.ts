// The trace viewer on real circuits (issue 16, section 9). Without a browser: the c7552 page is
// written and holds every step with a layout of every wire by level; the page's own view-model
// code (client/model.ts, run here in a Function scope) folds to the cone of a gate exactly as a
// transitive fan-in computed here from the circuit says, and to k levels around it as a
// breadth-first walk says; the folded view is laid out by the very code the generator runs
// (layered.ts, inlined in the page); the names in the text lines are those the diagram draws;
// the jump box resolves out[3], in[2], names and ids; both viewers carry a <noscript> line; the
// README and docs/ link only inside the repository. In headless Chromium (skipped with a line
// when it is missing): the fold menu, names drawn on the canvas, out[1] in the jump box.
// Speed is measured by `npm run bench:viewer`, not here.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCircuitFile, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { layoutOfPage, type DiagramLayout } from '../cli/html/index.js';
import { LAYERED_JS } from '../cli/html/client/layered.js';
import { MODEL_JS } from '../cli/html/client/model.js';
import { layered } from '../cli/html/layered.js';
import { LAYERED } from '../cli/html/layout.js';
import { payloadOfPage } from '../cli/html/payload.js';
import { compile } from '../compiler/index.js';
import { bindCompiled } from '../model/index.js';
import { traceGeneration, type TraceData } from '../runtime/index.js';
import { hasChromium, openPage, useBrowser } from './browser.js';
import { cli } from './cli-helpers.js';
import { loadShared, repoRoot, shared } from './shared.js';

// page.evaluate callbacks run in the browser; the project compiles without the DOM library.
declare const document: any;
declare const window: any;

type Head = Omit<TraceData, 'steps'>;
interface ViewModel {
  n: number;
  W: number;
  nodeName(w: number): string;
  findWire(text: string): number;
  coneOf(w: number): number[];
  around(w: number, k: number): number[];
}

/** The page's view model, built by the page's own code from a trace head. */
const makeModel = new Function(`${MODEL_JS}\nreturn makeModel;`)() as (T: Head) => ViewModel;
/** The page's copy of layered.ts. */
const pageLayered = new Function(`${LAYERED_JS}\nreturn layered;`)() as typeof layered;

const dir = mkdtempSync(join(tmpdir(), 'gatecot-viewer-real-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The transitive fan-in of wire w (w included), computed from the circuit's own arrays. */
function fanIn(c: Circuit, w: number): number[] {
  const seen = new Set<number>();
  const visit = (x: number): void => {
    if (x < 0 || seen.has(x)) return;
    seen.add(x);
    if (x >= c.nInputs) {
      visit(c.a[x - c.nInputs]!);
      visit(c.b[x - c.nInputs]!);
    }
  };
  visit(w);
  return [...seen].sort((p, q) => p - q);
}

/** The wires at most k wires upstream or downstream of w (w included), from the circuit's arrays. */
function withinK(c: Circuit, w: number, k: number): number[] {
  const n = c.nInputs;
  const W = n + c.ops.length;
  const dist = (next: (x: number) => number[]): Map<number, number> => {
    const d = new Map([[w, 0]]);
    let frontier = [w];
    while (frontier.length > 0) {
      const after: number[] = [];
      for (const x of frontier) for (const y of next(x)) if (y >= 0 && !d.has(y)) {
        d.set(y, d.get(x)! + 1);
        after.push(y);
      }
      frontier = after;
    }
    return d;
  };
  const up = dist((x) => (x >= n ? [c.a[x - n]!, c.b[x - n]!] : []));
  const readers: number[][] = Array.from({ length: W }, () => []);
  for (let g = 0; g < c.ops.length; g++) for (const s of [c.a[g]!, c.b[g]!]) if (s >= 0 && !readers[s]!.includes(n + g)) readers[s]!.push(n + g);
  const down = dist((x) => readers[x]!);
  const out = new Set<number>();
  for (const [x, d] of [...up, ...down]) if (d <= k) out.add(x);
  return [...out].sort((p, q) => p - q);
}

/** A seeded sample of m distinct gates' wires. */
function sampleGates(c: Circuit, m: number, seed: number): number[] {
  let s = seed >>> 0;
  const out = new Set<number>();
  while (out.size < Math.min(m, c.ops.length)) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.add(c.nInputs + (s % c.ops.length));
  }
  return [...out];
}

function headOf(t: TraceData): Head {
  const { steps: _steps, ...head } = t;
  return head;
}

describe('c7552 (4042 gates, 16 168 steps)', () => {
  const file = join(dir, 'c7552.html');
  const bits = Array.from({ length: 207 }, (_, i) => ((i * 2654435761) >>> 13) & 1).join('');
  let html = '';
  let c: Circuit;
  beforeAll(async () => {
    const r = await cli('trace', shared('iscas85/c7552.bench'), '--bits', bits, '--html', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${file}: trace viewer of 16168 steps`);
    html = readFileSync(file, 'utf8');
    c = loadShared('iscas85/c7552.bench');
  }, 600_000);

  it('writes the page: every step in blocks, a <noscript> line, every wire laid out in its level\'s column', () => {
    const counts = [...html.matchAll(/ data-count="(\d+)"/g)].map((m) => Number(m[1]));
    expect(counts.reduce((s, x) => s + x, 0)).toBe(4 * c.ops.length);
    expect(html).toMatch(/<noscript>.*JavaScript.*<\/noscript>/);
    const L = layoutOfPage(html) as DiagramLayout;
    const head = JSON.parse(payloadOfPage(html, 'gatecot-head')) as Head;
    const W = c.nInputs + c.ops.length;
    expect(L.xy).toHaveLength(2 * W);
    expect(L.xy.every(Number.isFinite)).toBe(true);
    expect(L.settings).toMatch(/^layered\.ts/);
    const level = (w: number) => (w < c.nInputs ? 0 : head.circuit.gates[w - c.nInputs]!.level);
    for (let w = 0; w < W; w++) expect(L.xy[2 * w]).toBe(L.levels[level(w)]);
    // every gate input has a route from its source's right side to the gate's left side
    head.circuit.gates.forEach((g, k) => {
      [g.a, g.b].forEach((s, slot) => {
        const r = L.routes[2 * k + slot]!;
        if (s < 0) return expect(r).toEqual([]);
        expect(r.slice(0, 2)).toEqual([L.xy[2 * s]! + L.nodeW, expect.any(Number)]);
        expect(r[r.length - 2]).toBe(L.xy[2 * (c.nInputs + k)]);
      });
    });
  });

  it('folds to the cone of a gate: the page\'s cone is the transitive fan-in computed from the circuit', () => {
    const M = makeModel(JSON.parse(payloadOfPage(html, 'gatecot-head')) as Head);
    const wires = [...sampleGates(c, 40, 7), ...c.outputs.flatMap((o) => o.wires).slice(0, 20)];
    for (const w of wires) expect(M.coneOf(w), `wire ${w}`).toEqual(fanIn(c, w));
    // the deepest output's cone is most of the circuit, an input's cone is itself
    expect(M.coneOf(0)).toEqual([0]);
  });

  it('folds to k levels around a gate: its fan-in and fan-out k wires deep', () => {
    const M = makeModel(JSON.parse(payloadOfPage(html, 'gatecot-head')) as Head);
    for (const w of sampleGates(c, 25, 11)) {
      for (const k of [1, 2, 4]) expect(M.around(w, k), `wire ${w}, k ${k}`).toEqual(withinK(c, w, k));
    }
  });

  it('lays a folded view out with the generator\'s own code: each wire in its level\'s column, boxes apart', () => {
    const M = makeModel(JSON.parse(payloadOfPage(html, 'gatecot-head')) as Head);
    const out = c.outputs[0]!.wires[40]!;
    const wires = M.coneOf(out);
    const levelOf = (w: number) => (w < c.nInputs ? 0 : (JSON.parse(payloadOfPage(html, 'gatecot-head')) as Head).circuit.gates[w - c.nInputs]!.level);
    const levels = [...new Set(wires.map(levelOf))].sort((p, q) => p - q);
    const col = wires.map((w) => levels.indexOf(levelOf(w)));
    const index = new Map(wires.map((w, i) => [w, i]));
    const src: number[] = [];
    const dst: number[] = [];
    wires.forEach((w, i) => {
      if (w < c.nInputs) return;
      for (const s of [c.a[w - c.nInputs]!, c.b[w - c.nInputs]!]) if (s >= 0) {
        src.push(index.get(s)!);
        dst.push(i);
      }
    });
    const mine = layered(wires.length, col, src, dst, LAYERED);
    // the page runs the same function, and gets the same drawing
    expect(pageLayered(wires.length, col, src, dst, LAYERED)).toEqual(mine);
    wires.forEach((_, i) => expect(mine.xy[2 * i]).toBe(mine.colX[col[i]!]));
    for (let k = 0; k < levels.length; k++) {
      const ys = wires.map((_, i) => i).filter((i) => col[i] === k).map((i) => mine.xy[2 * i + 1]!).sort((p, q) => p - q);
      for (let j = 1; j < ys.length; j++) expect(ys[j]! - ys[j - 1]!).toBeGreaterThanOrEqual(LAYERED.nodeH + LAYERED.gapY - 0.11);
    }
    expect(mine.routes).toHaveLength(src.length);
  });
});

/** Traces of circuits with their own wire names: ISCAS .bench, a .gc adder, an AIGER file with symbols. */
function namedTraces(): [string, TraceData][] {
  const aag = readCircuitFile(shared('aiger/halfadder.aag'));
  if (!aag.ok) throw aag.error;
  const cases: [string, Circuit, string][] = [
    ['c17.bench', loadShared('iscas85/c17.bench'), '10110'],
    ['adder w2 (.gc names)', generate('adder', { width: '2' }), '1101'],
    ['halfadder.aag (AIGER symbols)', aag.value, '11'],
  ];
  return cases.map(([name, c, bits]) => [name, traceGeneration(bindCompiled(compile(c, { cot: '4tok' }), c), Uint8Array.from(bits, Number))]);
}

describe('one name per wire: the text line and the diagram', () => {
  it('names every gate and operand in the text line as the diagram names its box', () => {
    for (const [name, t] of namedTraces()) {
      const M = makeModel(headOf(t));
      let checked = 0;
      for (const s of t.steps) {
        const g = t.circuit.gates[s.gate]!;
        const own = M.nodeName(M.n + s.gate);
        const subject = own === `g${s.gate}` ? `gate ${s.gate}` : `gate ${s.gate} (${own})`;
        expect(s.text.startsWith(subject), `${name}: ${s.text}`).toBe(true);
        const operands = [g.a, g.b].filter((w) => w >= 0).map((w) => M.nodeName(w));
        if (s.role === 'type' || s.role === 'value') expect(s.text, name).toContain(`${g.op}(${operands.join(', ')})`);
        if (s.role === 'in_a' && g.a >= 0) expect(s.text, name).toContain(`input a is ${M.nodeName(g.a)} = `);
        if (s.role === 'in_b' && g.b >= 0) expect(s.text, name).toContain(`input b is ${M.nodeName(g.b)} = `);
        checked++;
      }
      expect(checked).toBe(t.steps.length);
    }
  });

  it('shows AIGER symbol names on the wires that have them', () => {
    const [, t] = namedTraces()[2]!;
    const M = makeModel(headOf(t));
    const names = Array.from({ length: M.W }, (_, w) => M.nodeName(w));
    expect(names.slice(0, 2)).toEqual(['x', 'y']);
    for (const sym of ['s', 'c']) expect(names).toContain(sym);
    const s = t.steps.find((x) => x.role === 'value' && / = AND\(x, y\)/.test(x.text));
    expect(s?.text).toMatch(/^gate \d+ (\(c\) )?= AND\(x, y\)/);
  });
});

describe('the jump box resolver (client/model.ts findWire)', () => {
  const c17 = loadShared('iscas85/c17.bench');
  const t = traceGeneration(bindCompiled(compile(c17, { cot: '4tok' }), c17), Uint8Array.from('10110', Number));
  const M = makeModel(headOf(t));

  it('reads an output or input group\'s bit of a .bench circuit: out[1], in[2]', () => {
    expect(t.circuit.outputs.map((o) => o.name)).toEqual(['out']);
    expect(M.findWire('out[0]')).toBe(c17.outputs[0]!.wires[0]);
    expect(M.findWire(' out[1] ')).toBe(c17.outputs[0]!.wires[1]);
    expect(M.findWire('in[2]')).toBe(2);
    expect(M.findWire('out[2]')).toBe(-1);
    expect(M.findWire('out')).toBe(-1); // two bits: which one?
    expect(M.findWire('in[5]')).toBe(-1);
  });

  it('reads names, indices and the diagram\'s g<k>', () => {
    expect(M.findWire('G22gat')).toBe(c17.outputs[0]!.wires[0]);
    expect(M.findWire('G3gat')).toBe(2);
    expect(M.findWire('3')).toBe(c17.nInputs + 3);
    expect(M.findWire('g3')).toBe(c17.nInputs + 3);
    expect(M.findWire('G99gat')).toBe(-1);
    expect(M.findWire('6')).toBe(-1);
  });

  it('reads a one-bit group by its name, and a uniform model\'s ids', () => {
    const cmp = generate('comparator', { width: '2' });
    const tc = traceGeneration(bindCompiled(compile(cmp, { cot: '4tok' }), cmp), Uint8Array.from('0110', Number));
    const Mc = makeModel(headOf(tc));
    expect(Mc.findWire('eq')).toBe(cmp.outputs.find((o) => o.name === 'eq')!.wires[0]);
    expect(Mc.findWire('eq[0]')).toBe(cmp.outputs.find((o) => o.name === 'eq')!.wires[0]);
    expect(Mc.findWire('b[1]')).toBe(3);
    const uni = makeModel({ ...headOf(t), model: { ...t.model, mode: 'uniform' } });
    expect(uni.findWire('#7')).toBe(6);
    expect(uni.findWire('#12')).toBe(-1);
    expect(uni.findWire('out[1]')).toBe(c17.outputs[0]!.wires[1]);
  });
});

describe('pages and docs', () => {
  it('both viewers carry a <noscript> line', async () => {
    for (const [name, extra] of [['cot', []], ['latent', ['--mode', 'looped']]] as [string, string[]][]) {
      const file = join(dir, `${name}.html`);
      const r = await cli('trace', shared('iscas85/c17.bench'), '--bits', '10110', ...extra, '--html', file);
      expect(r.code, r.stderr).toBe(0);
      const page = readFileSync(file, 'utf8');
      expect(page).toMatch(/<body>\s*<noscript><p class="noscript">[^<]*JavaScript[^]*?<\/noscript>/);
    }
  });

  it('README.md and docs/*.md link only to files inside the repository, and those files exist', () => {
    const docs = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    expect(docs).toContain('docs/theory.md');
    for (const doc of docs) {
      // links outside code blocks and code spans
      const text = readFileSync(join(repoRoot, doc), 'utf8').replace(/```[^]*?```/g, '').replace(/`[^`\n]*`/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(join(repoRoot, doc)), target.replace(/#.*$/, ''));
        expect(relative(repoRoot, path).startsWith('..'), `${doc} links outside the repository: ${target}`).toBe(false);
        expect(existsSync(path), `${doc} links to a missing file: ${target}`).toBe(true);
      }
    }
  });
});

describe.runIf(hasChromium)('in headless Chromium', () => {
  const browser = useBrowser();

  it('folds the diagram, draws the text line\'s names, and jumps to out[1]', async () => {
    const file = join(dir, 'c17-browser.html');
    const r = await cli('trace', shared('iscas85/c17.bench'), '--bits', '10110', '--html', file);
    expect(r.code).toBe(0);
    const c17 = loadShared('iscas85/c17.bench');
    const t = traceGeneration(bindCompiled(compile(c17, { cot: '4tok' }), c17), Uint8Array.from('10110', Number));
    const w = await openPage(browser(), file);
    const { page } = w;
    const W = c17.nInputs + c17.ops.length;
    const diagram = () => page.evaluate(() => ({ fold: document.querySelector('#diagram').dataset.fold, shown: Number(document.querySelector('#diagram').dataset.shown) }));
    expect(await diagram()).toEqual({ fold: 'all', shown: W });
    // out[1] in the jump box: the first step of the gate that drives it
    const outGate = c17.outputs[0]!.wires[1]! - c17.nInputs;
    await page.fill('#gate-input', 'out[1]');
    await page.press('#gate-input', 'Enter');
    const at = t.steps.findIndex((s) => s.gate === outGate);
    await page.waitForFunction((s: number) => document.body.dataset.step === String(s), at);
    // the cone of the current gate, then one level around it, then the whole circuit again
    await page.selectOption('#fold', 'cone');
    expect(await diagram()).toEqual({ fold: 'cone', shown: fanIn(c17, c17.nInputs + outGate).length });
    await page.selectOption('#fold', 'around');
    await page.fill('#fold-levels', '1');
    expect(await diagram()).toEqual({ fold: 'around', shown: withinK(c17, c17.nInputs + outGate, 1).length });
    // the names drawn on the boxes: record the canvas's text, step to the value step, compare
    await page.evaluate(() => {
      window.__drawn = [];
      const orig = window.CanvasRenderingContext2D.prototype.fillText;
      window.CanvasRenderingContext2D.prototype.fillText = function (this: unknown, s: string, ...rest: unknown[]) {
        window.__drawn.push(s);
        return orig.call(this, s, ...rest);
      };
    });
    for (let k = 0; k < 3; k++) await page.click('#next'); // (the focus is in the levels field: keys go there)
    await page.waitForFunction((s: number) => document.body.dataset.step === String(s), at + 3);
    await page.waitForFunction(() => window.__drawn.length > 0);
    const drawn = new Set(((await page.evaluate(() => window.__drawn)) as string[]).map((s) => s.split(' = ')[0]));
    const text = (await page.textContent('#text')) as string;
    expect(text).toBe(t.steps[at + 3]!.text);
    const names = /\(([^()]*)\) = [A-Z]+\(/.exec(text)!;
    expect(drawn.has(names[1]!)).toBe(true); // the gate's own name
    for (const x of /= [A-Z]+\(([^)]*)\) = /.exec(text)![1]!.split(', ')) expect(drawn.has(x), `${x} drawn`).toBe(true);
    await page.selectOption('#fold', 'all');
    expect(await diagram()).toEqual({ fold: 'all', shown: W });
    expect(w.errors).toEqual([]);
    expect(w.requests).toEqual([w.url]);
    await page.close();
  }, 120_000);
});

if (!hasChromium) console.log('viewer-real.test.ts: Chromium not found: skipping the browser test');
