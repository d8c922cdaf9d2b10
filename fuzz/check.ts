// One check of a fuzz case: compile the circuit in one CoT format (positional campaigns; the
// uniform campaign binds it to its one model instead, uniform.ts), verify the model by teacher
// forcing on a set of inputs against direct evaluation, then let it generate its chain of
// thought for one input (true decoding, the KV-cache path) and compare the outputs. Anything
// thrown on the way is a failure too: compile and verify must never throw on a valid circuit.
// With `auto`, only an unavailable WebGPU falls back to the CPU (runtime/backend.ts); every
// check records the backend it ran on.

import { evalOutputsOne, type Circuit, Op } from '../circuits/index.js';
import { compile, type Fault } from '../compiler/index.js';
import { bindModel, type Bound, type CotFormat, type Model } from '../model/index.js';
import { createEngine, type BackendChoice, type EngineOptions } from '../runtime/backend.js';
import type { Backend, Engine } from '../runtime/engine.js';
import { outputsOfSequence, promptOf } from '../runtime/reference.js';
import { verifyModel, type MismatchDetail } from '../runtime/verify.js';
import type { SharedGpu } from './backend.js';
import type { Radius } from '../runtime/sparse-attention/radius.js';

export interface CheckConfig {
  arith: string;
  backend: BackendChoice;
  /** A deliberate miscompile (compiler/faults.ts). */
  fault?: Fault;
  /** The campaign's WebGPU device (backend.ts); without it each WebGPU check opens its own. */
  gpu?: SharedGpu;
  /** The CPU engine's f32 loop and threads (--cpu-kernel, --cpu-threads; the same numbers either way). */
  cpu?: Pick<EngineOptions, 'cpuKernel' | 'cpuThreads'>;
  /** Certified sparse attention (runtime/sparse-attention, on the CPU) and its radius. */
  attention?: 'sparse';
  radius?: Radius;
}

/** The engine options of a check's attention. */
export function attentionOf(cfg: CheckConfig): { attention?: 'sparse'; radius?: Radius } {
  return cfg.attention ? { attention: cfg.attention, ...(cfg.radius !== undefined ? { radius: cfg.radius } : {}) } : {};
}

export type FailureKind = 'teacher-forcing' | 'generation' | 'exception';

export interface Failure {
  kind: FailureKind;
  /** What "failing the same way" compares (shrink.ts): the kind and the classes of the tokens. */
  signature: string;
  /** An input vector (one bit per input wire) that shows the failure. */
  witness: Uint8Array;
  /** Wrong tokens over all inputs (teacher forcing). */
  mismatches: number;
  /** The first wrong token (teacher forcing). */
  detail?: MismatchDetail;
  /** Output bits, expected and generated (generation). */
  outputs?: { expected: string; produced: string };
  /** The error (exception). */
  message?: string;
}

/** What a check runs: a positional model in one CoT format, or the campaign's uniform model. */
export type CheckLabel = CotFormat | 'uniform';

export interface CotCheck {
  cot: CheckLabel;
  /** Where the check ran (with `auto`: where it was due to run when it failed before an engine existed). */
  backend: Backend;
  ok: boolean;
  inputs: number;
  positions: number;
  /** Prompt tokens of the bound sequence (absent when the check failed before binding). */
  promptLength?: number;
  failure?: Failure;
}

/** Checks one circuit on a set of inputs (at least one vector) in one way. */
export interface Checker {
  readonly label: CheckLabel;
  check(c: Circuit, inputs: Uint8Array[]): Promise<CotCheck>;
}

/** The class of a token: a value (0/1), a gate type, '-' or 'NA', '<bos>', a wire id '#k'. */
export function tokenClass(tok: string): string {
  if (tok === '0' || tok === '1') return 'value';
  if (tok === '-' || tok === 'NA') return 'na';
  if (tok === '<bos>') return 'bos';
  if (/^#\d+$/.test(tok)) return 'id';
  return 'type';
}

export function bitString(bits: ArrayLike<number>): string {
  return Array.from(bits, (x) => (x ? '1' : '0')).join('');
}

/** An error's signature: its class and its message with numbers blurred (sizes change while shrinking). */
function exceptionSignature(e: unknown): string {
  const name = e instanceof Error ? e.name : typeof e;
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\d+/g, '#').slice(0, 80);
  return `exception:${name}:${msg}`;
}

async function generationFailure(b: Bound, engine: Engine, x: Uint8Array): Promise<Failure | undefined> {
  const [seq] = await engine.generate([promptOf(b, x)], b.seq.cotLength);
  const produced = outputsOfSequence(b, seq!);
  const expected = evalOutputsOne(b.circuit, x);
  if (produced.every((v, i) => v === expected[i])) return undefined;
  return {
    kind: 'generation',
    signature: 'generation:outputs',
    witness: x,
    mismatches: 0,
    outputs: { expected: bitString(expected), produced: bitString(produced) },
  };
}

/** The backend a check is due to run on before its engine exists. */
export function plannedBackend(cfg: CheckConfig): Backend {
  if (cfg.backend !== 'auto') return cfg.backend;
  return cfg.arith === 'f32' || cfg.arith === 'f16' ? 'webgpu' : 'cpu';
}

async function engineFor(model: Model, cfg: CheckConfig): Promise<Engine> {
  const webgpu = cfg.gpu && cfg.backend !== 'cpu' ? { webgpu: { context: await cfg.gpu.context() } } : {};
  return (await createEngine(model, cfg.backend, cfg.arith, { ...cfg.cpu, ...webgpu, ...attentionOf(cfg) })).engine;
}

/** A thrown error as a failure of circuit `c` (shown on its first input vector). */
export function exceptionFailure(e: unknown, c: Circuit, inputs: Uint8Array[]): Failure {
  return {
    kind: 'exception',
    signature: exceptionSignature(e),
    witness: inputs[0] ?? new Uint8Array(c.nInputs),
    mismatches: 0,
    message: e instanceof Error ? e.message : String(e),
  };
}

/** Verifies a bound model on `inputs` by teacher forcing, then generates for the last input. */
export async function checkBound(label: CheckLabel, bound: Bound, engine: Engine, inputs: Uint8Array[]): Promise<CotCheck> {
  const r = await verifyModel(bound, engine, inputs);
  const base = { cot: label, backend: engine.backend, inputs: r.inputs_tested, positions: r.positions_checked, promptLength: bound.seq.promptLength };
  if (!r.ok) {
    const f = r.first!;
    const failure: Failure = {
      kind: 'teacher-forcing',
      signature: `teacher-forcing:${tokenClass(f.expected)}>${tokenClass(f.produced)}`,
      witness: inputs[f.input]!,
      mismatches: r.mismatches,
      detail: f,
    };
    return { ...base, ok: false, failure };
  }
  const gen = await generationFailure(bound, engine, inputs[inputs.length - 1]!);
  return gen ? { ...base, ok: false, failure: gen } : { ...base, ok: true };
}

/** Compiles `c` in format `cot` and checks it on `inputs` (at least one vector). */
export async function checkCot(c: Circuit, cot: CotFormat, inputs: Uint8Array[], cfg: CheckConfig): Promise<CotCheck> {
  let engine: Engine | undefined;
  try {
    // swap-gate changes nothing without an AND gate (compile refuses such a request): such a case
    // is compiled without it, as the fault would leave it.
    const fault = cfg.fault === 'swap-gate' && !c.ops.includes(Op.AND) ? undefined : cfg.fault;
    const model = compile(c, fault ? { cot, fault } : { cot });
    const bound = bindModel(model);
    engine = await engineFor(model, cfg);
    return await checkBound(cot, bound, engine, inputs);
  } catch (e) {
    return { cot, backend: engine?.backend ?? plannedBackend(cfg), ok: false, inputs: 0, positions: 0, failure: exceptionFailure(e, c, inputs) };
  } finally {
    engine?.dispose();
  }
}

/** The check of a positional campaign: compile in one CoT format, verify, generate. */
export function positionalChecker(cot: CotFormat, cfg: CheckConfig): Checker {
  return { label: cot, check: (c, inputs) => checkCot(c, cot, inputs, cfg) };
}
