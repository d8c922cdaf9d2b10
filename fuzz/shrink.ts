// The shrinker: makes a failing circuit as small as it can while it still fails the same way.
//
// "The same way" is the caller's predicate (campaign.ts builds it with the same CoT format,
// arithmetic, backend and injected fault, and compares failure signatures, check.ts): the
// candidate must fail on the same kind of check (teacher forcing, generation, exception) with the
// first wrong token of the same class as before (e.g. a value token where a value was due).
//
// Passes, repeated until a whole round changes nothing or the budget runs out:
//   1. truncate after the gate of the first wrong token; that gate becomes the only output
//      (later positions cannot affect it: attention is causal);
//   2. drop every gate outside the outputs' fan-in cone;
//   3. ddmin over the output bits (at least one stays);
//   4. ddmin over the gates: a removed gate's readers read its first operand instead (or a
//      constant / an input for a removed constant), netlist.ts;
//   5. per gate, last first: replace it by CONST0 or CONST1 (rewiring its readers to a
//      constant), and rewire each operand that is a gate to one of the first input wires;
//   6. ddmin over the input wires: a removed input's readers read the first remaining input;
//      the witness input vector loses the same bits.
// Every candidate is a valid circuit (topological order, at least one output bit).

import type { Circuit, OpCode } from '../circuits/index.js';
import { arity, Op } from '../circuits/index.js';
import type { Failure } from './check.js';
import { ddmin } from './ddmin.js';
import { circuitProblem, keepOutputs, liveGates, projectInputs, pruneDead, removeGates, removeInputs, replaceGate, truncateAt } from '../circuits/netlist.js';
import { yieldToEventLoop } from './yield.js';

export interface ShrinkState {
  circuit: Circuit;
  failure: Failure;
}

/** Checks a candidate with an input vector to try first: its failure if it fails the same way. */
export type SameFailure = (c: Circuit, witness: Uint8Array) => Promise<Failure | undefined>;

export interface ShrinkOptions {
  /** Most candidates to check (default 2000). */
  maxTests?: number;
  /** Stop checking candidates after this many seconds (default 60). */
  maxSeconds?: number;
  signal?: AbortSignal;
}

export interface ShrinkResult extends ShrinkState {
  tests: number;
  accepted: number;
  /** False when the budget or an abort stopped it before a fixed point. */
  complete: boolean;
  seconds: number;
}

/** Operand rewiring tries the first few input wires only: enough to cut a gate loose. */
const REWIRE_INPUTS = 4;

class Shrinker {
  cur: ShrinkState;
  tests = 0;
  accepted = 0;
  stopped = false;
  private readonly deadline: number;
  private readonly maxTests: number;

  constructor(start: ShrinkState, private readonly same: SameFailure, private readonly opts: ShrinkOptions) {
    this.cur = start;
    this.maxTests = opts.maxTests ?? 2000;
    this.deadline = performance.now() + 1000 * (opts.maxSeconds ?? 60);
  }

  private exhausted(): boolean {
    if (this.tests >= this.maxTests || performance.now() > this.deadline || this.opts.signal?.aborted) this.stopped = true;
    return this.stopped;
  }

  /** Adopts the candidate when it still fails the same way. */
  async try(cand: Circuit | undefined, witness: Uint8Array = this.cur.failure.witness): Promise<boolean> {
    if (!cand) return false;
    // A turn for the event loop first, so that Ctrl-C (the abort signal) can stop a long shrink.
    await yieldToEventLoop();
    if (this.exhausted()) return false;
    const problem = circuitProblem(cand);
    if (problem) throw new Error(`shrinker built an invalid circuit: ${problem}`);
    this.tests++;
    const f = await this.same(cand, witness);
    if (!f) return false;
    this.cur = { circuit: cand, failure: f };
    this.accepted++;
    return true;
  }

  async truncate(): Promise<boolean> {
    const c = this.cur.circuit;
    const g = this.cur.failure.detail?.gate ?? -1;
    if (g < 0 || g >= c.ops.length) return false;
    const only = c.outputs.length === 1 && c.outputs[0]!.wires.length === 1 && c.outputs[0]!.wires[0] === c.nInputs + g;
    if (g === c.ops.length - 1 && only) return false;
    return this.try(truncateAt(c, g));
  }

  async prune(): Promise<boolean> {
    const c = this.cur.circuit;
    if (liveGates(c).every((x) => x === 1)) return false;
    return this.try(pruneDead(c));
  }

  async outputs(): Promise<boolean> {
    const base = this.cur.circuit;
    const bits = base.outputs.reduce((s, o) => s + o.wires.length, 0);
    if (bits < 2) return false;
    const before = this.accepted;
    await ddmin(bits, (keep) => this.try(keepOutputs(base, keep)));
    return this.accepted > before;
  }

  async gates(): Promise<boolean> {
    const base = this.cur.circuit;
    if (base.ops.length === 0) return false;
    const before = this.accepted;
    await ddmin(base.ops.length, (keep) => this.try(removeGates(base, keep.map((k) => !k))));
    return this.accepted > before;
  }

  async simplify(): Promise<boolean> {
    const before = this.accepted;
    for (let g = this.cur.circuit.ops.length - 1; g >= 0; g--) {
      const c = this.cur.circuit;
      if (g >= c.ops.length) continue;
      const op = c.ops[g]! as OpCode;
      if (op !== Op.CONST0 && op !== Op.CONST1) {
        if ((await this.try(replaceGate(c, g, Op.CONST0, -1, -1))) || (await this.try(replaceGate(c, g, Op.CONST1, -1, -1)))) continue;
      }
      for (const slot of [0, 1] as const) {
        const k = arity(this.cur.circuit.ops[g]! as OpCode);
        if (slot >= k) break;
        for (let i = 0; i < Math.min(REWIRE_INPUTS, c.nInputs); i++) {
          const cc = this.cur.circuit;
          const x = cc.a[g]!;
          const y = cc.b[g]!;
          if ((slot === 0 ? x : y) < cc.nInputs) break;
          const cand = slot === 0 ? replaceGate(cc, g, cc.ops[g]! as OpCode, i, y) : replaceGate(cc, g, cc.ops[g]! as OpCode, x, i);
          if (await this.try(cand)) break;
        }
      }
    }
    return this.accepted > before;
  }

  async inputs(): Promise<boolean> {
    const base = this.cur.circuit;
    const w = this.cur.failure.witness;
    if (base.nInputs === 0) return false;
    const before = this.accepted;
    await ddmin(base.nInputs, (keep) => {
      const remove = keep.map((k) => !k);
      return this.try(removeInputs(base, remove), projectInputs(w, remove));
    });
    return this.accepted > before;
  }
}

export async function shrink(start: ShrinkState, same: SameFailure, opts: ShrinkOptions = {}): Promise<ShrinkResult> {
  const t0 = performance.now();
  const s = new Shrinker(start, same, opts);
  for (;;) {
    let changed = false;
    changed = (await s.truncate()) || changed;
    changed = (await s.prune()) || changed;
    changed = (await s.outputs()) || changed;
    changed = (await s.prune()) || changed;
    changed = (await s.gates()) || changed;
    changed = (await s.simplify()) || changed;
    changed = (await s.prune()) || changed;
    changed = (await s.inputs()) || changed;
    if (!changed || s.stopped) break;
  }
  return { ...s.cur, tests: s.tests, accepted: s.accepted, complete: !s.stopped, seconds: (performance.now() - t0) / 1000 };
}
