// The uniform fuzz campaign's model: ONE uniform weight file (compiler/uniform) serves every case.
// It is compiled (capacity N, with a deliberate fault if asked) or loaded from a file once, when
// the campaign starts; its engine is created once (on the CPU, or on the campaign's WebGPU device,
// which uploads the weights once) and every check binds the case's circuit to the same model
// (`bindModel(model, circuit)`): teacher forcing on the case's inputs, then generation for one
// input, as for positional cases (check.ts). Shrinking binds smaller circuits to the same model:
// only the circuit shrinks. The engine is created again only when the campaign's device was
// replaced (a lost device, or one that reported an error, backend.ts).

import { type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { compileUniform, type Fault } from '../compiler/index.js';
import { bindModel, isUniform, modelToBytes, readModelFile, sha256, type UniformModel } from '../model/index.js';
import { createEngine } from '../runtime/backend.js';
import type { Engine } from '../runtime/engine.js';
import type { GpuContext } from '../runtime/webgpu/gpu.js';
import { attentionOf, checkBound, exceptionFailure, plannedBackend, type CheckConfig, type Checker, type CotCheck } from './check.js';
import type { Range } from './options.js';

export interface UniformTarget {
  model: UniformModel;
  capacity: number;
  /** sha256 of the model's file bytes (modelToBytes). */
  sha256: string;
  /** Bytes of the model file. */
  bytes: number;
  /** The file it was loaded from; absent when the campaign compiled it. */
  file?: string;
  /** The fault compiled into it (absent for a loaded file: its weights are what they are). */
  fault?: Fault;
  /** Seconds to compile or load it. */
  seconds: number;
}

function target(model: UniformModel, t0: number, extra: { file?: string; fault?: Fault }): UniformTarget {
  const bytes = modelToBytes(model);
  return { model, capacity: model.meta.capacity, sha256: sha256(bytes), bytes: bytes.length, ...extra, seconds: (performance.now() - t0) / 1000 };
}

/** Compiles the campaign's model of capacity N (with `fault`, its uniform counterpart). */
export function compileUniformTarget(capacity: number, fault?: Fault): UniformTarget {
  const t0 = performance.now();
  return target(compileUniform(capacity, fault ? { fault } : {}), t0, fault ? { fault } : {});
}

/** Loads the campaign's model from a uniform .safetensors file. */
export function loadUniformTarget(file: string): UniformTarget {
  const t0 = performance.now();
  const m = readModelFile(file);
  if (!isUniform(m)) throw new UserError(`the model ${file} is a positional model (it holds one circuit): the uniform campaign needs a uniform model (gatecot compile --uniform)`);
  if (m.meta.readout === 'argmax') throw new UserError(`the model ${file} is a uniform looped model (no CoT): the uniform campaign checks the CoT model; check it with verify --circuit`);
  return target(m, t0, { file });
}

/** The most wires (inputs + gates) a case of these ranges can have. */
export function largestCase(o: { gates: Range; inputs: Range }): number {
  return o.gates.max + o.inputs.max;
}

/** Checks circuits through one uniform model, with one engine for every check. */
export class UniformChecker implements Checker {
  readonly label = 'uniform' as const;
  private engine: Engine | undefined;
  private ctx: GpuContext | undefined;

  constructor(
    readonly target: UniformTarget,
    private readonly cfg: CheckConfig,
  ) {}

  /** The engine, created on first use and again when the campaign's device was replaced. */
  private async currentEngine(): Promise<Engine> {
    const ctx = this.cfg.gpu && this.cfg.backend !== 'cpu' ? await this.cfg.gpu.context() : undefined;
    if (this.engine && ctx === this.ctx) return this.engine;
    this.engine?.dispose();
    this.engine = undefined;
    this.ctx = ctx;
    this.engine = (await createEngine(this.target.model, this.cfg.backend, this.cfg.arith, { ...this.cfg.cpu, ...(ctx ? { webgpu: { context: ctx } } : {}), ...attentionOf(this.cfg) })).engine;
    return this.engine;
  }

  async check(c: Circuit, inputs: Uint8Array[]): Promise<CotCheck> {
    let engine: Engine | undefined;
    try {
      const bound = bindModel(this.target.model, c);
      engine = await this.currentEngine();
      return await checkBound('uniform', bound, engine, inputs);
    } catch (e) {
      return { cot: 'uniform', backend: engine?.backend ?? plannedBackend(this.cfg), ok: false, inputs: 0, positions: 0, failure: exceptionFailure(e, c, inputs) };
    }
  }

  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
  }
}
