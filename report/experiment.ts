// gatecot experiment: the constructive counterpart of LLZM24's experiment figure. For the task
// families (modadd, s5, itersq, cvp; s5-tree on request) and growing n: the circuit's size T and
// depth D, and the ACCURACY (fraction of trials whose outputs are ALL right) of
//   no CoT, budget B   the looped model run with B loops whatever the circuit's depth (B = 4, 8,
//                      16): our construction with that budget, an upper-bound picture, NOT a lower
//                      bound for all transformers (a deep model cut to B layers computes the same)
//   gate CoT           the constant-depth model of LLZM24 Thm 3.3 writing T CoT tokens
//   looped, D loops    the looped model with its own count, loops = D
//   looped-cot         one loop per gate, loops = T
// and what each needs: CoT tokens (gate: T, 4tok: 4T), loops (D, T) and layers (deep: D), read
// from the compiled models. Trials: for a family with inputs, `inputs` random input vectors
// (all-zeros, all-ones, random; all 2^n when that is no more), ONE circuit; for cvp (no inputs),
// `inputs` INSTANCES drawn by `gen cvp-instance --gates T --seed seed+i`, i = 0.., one trial each.
// Every answer is the model's own (answerSequences on the CPU reference), checked against direct
// evaluation. Cells (family, n) are independent: `shard` runs every N-th; mergeExperiments
// puts shards back together.

import { loadavg } from 'node:os';
import { evalMany, outputWires, type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { generate } from '../circuits/gen/index.js';
import { circuitDepth, compile } from '../compiler/index.js';
import { appliedLayers, bindCompiled, type Bound, type Model } from '../model/index.js';
import { allInputs, answerSequences, CpuEngine, outputsOfSequence, promptOf, sampleInputs, type LoopSetting } from '../runtime/index.js';

export const EXPERIMENT_VERSION = 1;

/** The modulus of the itersq family (4-bit inputs: every cell covers all 16). */
export const ITERSQ_P = 13;

interface FamilySpec {
  /** What n is, for tables and plot axes. */
  knob: string;
  /** The gen command that builds the circuit of size n (instance seed for cvp). */
  command: (n: number, seed: string) => string;
  build: (n: number, seed: string) => Circuit;
  /** True: no inputs; the trials are instances (seeds). */
  instances: boolean;
  defaultSizes: number[];
  /** In the default --families. */
  byDefault: boolean;
}

export const FAMILIES: Record<string, FamilySpec> = {
  modadd: {
    knob: 'numbers added mod 7 (--count)',
    command: (n) => `gen modadd --count ${n}`,
    build: (n) => generate('modadd', { count: String(n) }),
    instances: false,
    defaultSizes: [1, 2, 4, 8],
    byDefault: true,
  },
  s5: {
    knob: 'permutations composed (--count)',
    command: (n) => `gen s5 --count ${n}`,
    build: (n) => generate('s5', { count: String(n) }),
    instances: false,
    defaultSizes: [1, 2],
    byDefault: true,
  },
  itersq: {
    knob: `squarings mod ${ITERSQ_P} (--k)`,
    command: (n) => `gen itersq --p ${ITERSQ_P} --k ${n}`,
    build: (n) => generate('itersq', { p: String(ITERSQ_P), k: String(n) }),
    instances: false,
    defaultSizes: [0, 1, 2, 3],
    byDefault: true,
  },
  cvp: {
    knob: 'gates of the CVP instance (--gates)',
    command: (n, seed) => `gen cvp-instance --gates ${n} --seed ${seed}`,
    build: (n, seed) => generate('cvp-instance', { gates: String(n), seed }),
    instances: true,
    defaultSizes: [8, 16, 32, 64],
    byDefault: true,
  },
  's5-tree': {
    knob: 'permutations composed as a tree (--count --tree)',
    command: (n) => `gen s5 --count ${n} --tree`,
    build: (n) => generate('s5', { count: String(n), tree: 'true' }),
    instances: false,
    defaultSizes: [2, 4],
    byDefault: false,
  },
};

export const DEFAULT_FAMILIES = Object.keys(FAMILIES).filter((f) => FAMILIES[f]!.byDefault);
export const DEFAULT_BUDGETS = [4, 8, 16];
export const DEFAULT_TRIALS = 1000;

/** The accuracy columns, in order: budget columns are `budget_<B>`. */
export const FIXED_RUNS = ['gate_cot', 'looped_D', 'looped_cot'] as const;

export const BUDGET_LABEL =
  'our looped construction without CoT, run with a fixed budget of B loops whatever the depth (a deep model cut to B layers computes the same): an upper-bound picture of what our construction does with that budget, not a lower bound for all transformers';

export interface ExperimentConfig {
  families: string[];
  sizes: Record<string, number[]>;
  /** Trials per cell: random inputs, or cvp instances. */
  inputs: number;
  budgets: number[];
  seed: string;
  itersq_p: number;
}

export interface ExperimentCell {
  family: string;
  n: number;
  /** The gen command (cvp: of the first instance). */
  circuit: string;
  input_bits: number;
  trials: number;
  trial_kind: 'random inputs' | 'all inputs' | 'instances';
  /** Gates T (cvp: every instance has n). */
  gates: number;
  /** Depth D (cvp: the deepest instance). */
  depth: number;
  depth_min: number;
  depth_mean: number;
  /** CoT tokens of the gate CoT (T) and of the 4-token CoT (4T), from the compiled models (cvp: the most). */
  cot_tokens_gate: number;
  cot_tokens_4tok: number;
  /** Loops of the looped model (its own count, = D) and of looped-cot (= T). */
  loops_looped: number;
  loops_looped_cot: number;
  /** Stored layers of the deep model (= D). */
  layers_deep: number;
  /**
   * The looped model run until an iteration changes nothing (loops 'auto'): the most and the mean
   * over the trials of the iterations after which the residual stopped changing. Below D where
   * the deepest paths settle early on most inputs (a carry that does not ripple).
   */
  settle_max: number;
  settle_mean: number;
  /** Trials whose outputs were all right, per run (budget_<B>, gate_cot, looped_D, looped_cot). */
  correct: Record<string, number>;
  accuracy: Record<string, number>;
  seconds: number;
}

export interface ExperimentResult {
  experiment: 'gatecot experiment';
  version: number;
  config: ExperimentConfig;
  /** null: every cell; else the shard that ran (cells i with i mod count = index - 1). */
  shard: { index: number; count: number } | null;
  cells_total: number;
  cells: ExperimentCell[];
  machine: string;
  /** Wall time of the run (merged: the sum over the shards). */
  seconds: number;
  /** CPU time of the process (user + system) during the run (merged: the sum). */
  cpu_seconds: number;
  /** The machine's 1-minute load average when the run started (merged: the highest): other work shares the cores. */
  load_average: number;
}

export interface ExperimentOptions {
  config: ExperimentConfig;
  shard?: { index: number; count: number };
  machine?: string;
  onCell?: (c: ExperimentCell) => void;
}

/** Every (family, n) cell of a config, in order. */
export function experimentCells(cfg: ExperimentConfig): { family: string; n: number }[] {
  return cfg.families.flatMap((family) => cfg.sizes[family]!.map((n) => ({ family, n })));
}

export function runKeys(budgets: number[]): string[] {
  return [...budgets.map((b) => `budget_${b}`), ...FIXED_RUNS];
}

/** Prompts per engine call (bounds the memory of the layer-major pass). */
const CHUNK = 256;

/**
 * Trials (of `inputs`) whose outputs are all right, the model's answers from its own argmax; with
 * loops 'auto', also the iterations after which each trial's residual stopped changing.
 */
async function correctCount(b: Bound, loops: LoopSetting | undefined, inputs: Uint8Array[], want: Uint8Array[]): Promise<{ ok: number; settled: number[] }> {
  const engine = new CpuEngine(b.model, 'f32', loops !== undefined ? { loops } : {});
  let ok = 0;
  const settled: number[] = [];
  for (let i0 = 0; i0 < inputs.length; i0 += CHUNK) {
    const chunk = inputs.slice(i0, i0 + CHUNK);
    const r = await answerSequences(
      b,
      engine,
      chunk.map((x) => promptOf(b, x)),
    );
    r.seqs.forEach((s, j) => {
      const got = outputsOfSequence(b, s);
      const w = want[i0 + j]!;
      if (got.every((v, k) => v === w[k])) ok++;
    });
    if (r.loops) settled.push(...r.loops);
  }
  engine.dispose();
  return { ok, settled };
}

interface CircuitRun {
  gates: number;
  depth: number;
  cotGate: number;
  cot4: number;
  loopsLooped: number;
  loopsLoopedCot: number;
  layersDeep: number;
  /** Per trial: iterations until the looped model's residual stopped changing (loops 'auto'). */
  settled: number[];
  correct: Record<string, number>;
}

/** One circuit: compile every model, run each on the trials, count the right answers. */
async function runCircuit(c: Circuit, inputs: Uint8Array[], budgets: number[]): Promise<CircuitRun> {
  const want = evalMany(c, inputs, outputWires(c));
  const bind = (m: Model) => bindCompiled(m, c);
  const looped = bind(compile(c, { latent: 'looped' }));
  const loopedCot = bind(compile(c, { latent: 'looped-cot' }));
  const gate = bind(compile(c, { cot: 'gate' }));
  const four = bind(compile(c, { cot: '4tok' }));
  const deep = compile(c, { latent: 'deep' });
  const correct: Record<string, number> = {};
  for (const B of budgets) correct[`budget_${B}`] = (await correctCount(looped, B, inputs, want)).ok;
  correct.gate_cot = (await correctCount(gate, undefined, inputs, want)).ok;
  correct.looped_D = (await correctCount(looped, undefined, inputs, want)).ok;
  correct.looped_cot = (await correctCount(loopedCot, undefined, inputs, want)).ok;
  const { settled } = await correctCount(looped, 'auto', inputs, want);
  return {
    gates: c.ops.length,
    depth: circuitDepth(c),
    cotGate: gate.seq.cotLength,
    cot4: four.seq.cotLength,
    loopsLooped: looped.model.meta.loop!.count,
    loopsLoopedCot: loopedCot.model.meta.loop!.count,
    layersDeep: appliedLayers(deep.meta).length,
    settled,
    correct,
  };
}

function trialsOf(c: Circuit, count: number, seed: string): { inputs: Uint8Array[]; kind: ExperimentCell['trial_kind'] } {
  const n = c.nInputs;
  if (n < 31 && 2 ** n <= count) return { inputs: allInputs(n), kind: 'all inputs' };
  return { inputs: sampleInputs(n, Math.max(0, count - 2), BigInt(seed)).slice(0, count), kind: 'random inputs' };
}

async function runCell(family: string, n: number, cfg: ExperimentConfig): Promise<ExperimentCell> {
  const t0 = performance.now();
  const spec = FAMILIES[family]!;
  const keys = runKeys(cfg.budgets);
  const runs: CircuitRun[] = [];
  let trialKind: ExperimentCell['trial_kind'];
  let inputBits = 0;
  let trials = 0;
  if (spec.instances) {
    trialKind = 'instances';
    trials = cfg.inputs;
    for (let i = 0; i < cfg.inputs; i++) {
      const c = spec.build(n, String(BigInt(cfg.seed) + BigInt(i)));
      runs.push(await runCircuit(c, [new Uint8Array(c.nInputs)], cfg.budgets));
    }
  } else {
    const c = spec.build(n, cfg.seed);
    const t = trialsOf(c, cfg.inputs, cfg.seed);
    trialKind = t.kind;
    inputBits = c.nInputs;
    trials = t.inputs.length;
    runs.push(await runCircuit(c, t.inputs, cfg.budgets));
  }
  const most = (f: (r: CircuitRun) => number) => Math.max(...runs.map(f));
  const correct: Record<string, number> = {};
  const accuracy: Record<string, number> = {};
  for (const k of keys) {
    correct[k] = runs.reduce((a, r) => a + r.correct[k]!, 0);
    accuracy[k] = correct[k]! / trials;
  }
  const depths = runs.map((r) => r.depth);
  const settled = runs.flatMap((r) => r.settled);
  return {
    family,
    n,
    circuit: spec.command(n, cfg.seed),
    input_bits: inputBits,
    trials,
    trial_kind: trialKind,
    gates: most((r) => r.gates),
    depth: Math.max(...depths),
    depth_min: Math.min(...depths),
    depth_mean: depths.reduce((a, b) => a + b, 0) / depths.length,
    cot_tokens_gate: most((r) => r.cotGate),
    cot_tokens_4tok: most((r) => r.cot4),
    loops_looped: most((r) => r.loopsLooped),
    loops_looped_cot: most((r) => r.loopsLoopedCot),
    layers_deep: most((r) => r.layersDeep),
    settle_max: Math.max(...settled),
    settle_mean: settled.reduce((a, b) => a + b, 0) / settled.length,
    correct,
    accuracy,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Checks a config (families known, sizes given for each, budgets and trials positive). */
export function checkConfig(cfg: ExperimentConfig): void {
  for (const f of cfg.families) {
    if (!FAMILIES[f]) throw new UserError(`unknown family '${f}' (families: ${Object.keys(FAMILIES).join(', ')})`);
    if (!cfg.sizes[f] || cfg.sizes[f]!.length === 0) throw new UserError(`no sizes for the family ${f}`);
  }
  if (new Set(cfg.families).size !== cfg.families.length) throw new UserError(`a family is listed twice: ${cfg.families.join(',')}`);
  if (!Number.isInteger(cfg.inputs) || cfg.inputs < 1) throw new UserError(`the number of inputs per cell must be a positive integer, got ${cfg.inputs}`);
  if (cfg.budgets.length === 0 || cfg.budgets.some((b) => !Number.isInteger(b) || b < 1)) throw new UserError(`the loop budgets must be positive integers, got ${cfg.budgets.join(',') || 'none'}`);
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const load0 = loadavg()[0]!;
  checkConfig(o.config);
  const all = experimentCells(o.config);
  const shard = o.shard ?? { index: 1, count: 1 };
  const cells: ExperimentCell[] = [];
  for (let i = shard.index - 1; i < all.length; i += shard.count) {
    const cell = await runCell(all[i]!.family, all[i]!.n, o.config);
    cells.push(cell);
    o.onCell?.(cell);
  }
  return {
    experiment: 'gatecot experiment',
    version: EXPERIMENT_VERSION,
    config: o.config,
    shard: shard.count > 1 ? shard : null,
    cells_total: all.length,
    cells,
    machine: o.machine ?? '',
    seconds: (performance.now() - t0) / 1000,
    cpu_seconds: cpuSeconds(process.cpuUsage(cpu0)),
    load_average: load0,
  };
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Shards of one experiment put back together: the same config in every part, each cell exactly
 * once, none missing. The cells come back in the unsharded order; seconds is the shards' sum.
 */
export function mergeExperiments(parts: { name: string; result: ExperimentResult }[]): ExperimentResult {
  if (parts.length === 0) throw new UserError('merge needs at least one experiment directory');
  const first = parts[0]!;
  for (const p of parts) {
    if (p.result.experiment !== 'gatecot experiment' || p.result.version !== EXPERIMENT_VERSION) throw new UserError(`${p.name} is not the JSON of a gatecot experiment (version ${EXPERIMENT_VERSION})`);
    if (!same(p.result.config, first.result.config)) throw new UserError(`${p.name} ran another configuration than ${first.name} (families, sizes, inputs, budgets or seed differ)`);
  }
  const order = experimentCells(first.result.config);
  const key = (c: { family: string; n: number }) => `${c.family} ${c.n}`;
  const found = new Map<string, ExperimentCell>();
  for (const p of parts) {
    for (const c of p.result.cells) {
      if (found.has(key(c))) throw new UserError(`the cell ${c.family} n=${c.n} is in more than one part (${p.name} repeats it)`);
      found.set(key(c), c);
    }
  }
  const missing = order.filter((c) => !found.has(key(c)));
  if (missing.length > 0) throw new UserError(`the parts lack ${missing.length} cell(s), e.g. ${missing[0]!.family} n=${missing[0]!.n}: merge every shard`);
  const machines = [...new Set(parts.map((p) => p.result.machine))];
  return {
    experiment: 'gatecot experiment',
    version: EXPERIMENT_VERSION,
    config: first.result.config,
    shard: null,
    cells_total: order.length,
    cells: order.map((c) => found.get(key(c))!),
    machine: machines.join('; '),
    seconds: parts.reduce((a, p) => a + p.result.seconds, 0),
    cpu_seconds: parts.reduce((a, p) => a + p.result.cpu_seconds, 0),
    load_average: Math.max(...parts.map((p) => p.result.load_average)),
  };
}
