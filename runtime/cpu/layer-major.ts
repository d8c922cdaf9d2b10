// The CPU reference run layer by layer: every position through one applied layer before the next
// (the same arithmetic as the token-by-token stepper, whose layer() it calls: causal attention
// only reads positions <= i of the same pass, so the order of the passes does not change a single
// rounded value). Latent models (looped, deep: no CoT) run this way: the key/value cache of a
// pass is reused by the next pass of the same stored layer, so memory does not grow with the
// loop count, and a looped block can stop when an iteration changes nothing (`auto`).
// `onPass` hands out the residual after every applied layer (the latent trace: runtime/latent-trace.ts).

import { UserError } from '../../common/errors.js';
import type { PreparedLayer, PreparedModel } from './prepared.js';
import { scoreGroups } from './score-groups.js';
import { CpuStepper, type LayerDetail } from './stepper.js';

export interface LayerMajorResult {
  argmax: Int32Array[];
  logits?: Float32Array[];
  /** With auto: for each sequence, the loops after which its residual stream no longer changed. */
  loops?: number[];
}

/** Most softmax weights kept for reuse across passes (8 bytes each: 256 MiB). */
const MEMO_ENTRIES = 32 << 20;

export class LoopsDidNotSettle extends UserError {
  override name = 'LoopsDidNotSettle';
}

export interface LayerMajorOptions {
  logits?: boolean;
  /** Run the loop until an iteration changes no coordinate of any position (at most maxLoops). */
  auto?: { maxLoops: number };
  /** Called after the embedding (stored -1), then after each applied layer (a pass over every position). */
  onPass?: (p: PassState) => void;
  /** Positions whose heads and feed-forward (batch row 0) each pass reports in `details`. */
  detailAt?: (i: number) => boolean;
}

export interface PassState {
  /** The stored layer this pass applied (-1: the embedding). */
  stored: number;
  /** The residual after the pass: position i, batch row b at H[(i * B + b) * d ..][0, d). Read it, do not keep it. */
  H: Float64Array;
  /** Position -> what its heads attended to and its feed-forward computed in this pass (detailAt). */
  details: Map<number, LayerDetail>;
}

function emptyDetail(layer: PreparedLayer, d: number): LayerDetail {
  const m = layer.m;
  return { heads: [], afterAttn: new Float64Array(d), ffPre: new Float64Array(m), ffAct: new Float64Array(m), ffOut: new Float64Array(d), after: new Float64Array(d) };
}

/** What the auto loop needs of a pass's state: a copy of it, and whether batch row b changed since. */
export interface LoopState {
  save(): void;
  changed(b: number): boolean;
}

/**
 * Applies the stored layers in order, `pass(l)` for each; with `auto`, the loop block until an
 * iteration changes nothing (at most maxLoops + 1 iterations) and returns, per batch row, the
 * loops after which it settled (LoopsDidNotSettle otherwise). Shared by the reference and the
 * fast path (runtime/cpu/fast/forward.ts).
 */
export function runPasses(pm: PreparedModel, B: number, pass: (l: number) => void, auto: { maxLoops: number } | undefined, state: LoopState): number[] | undefined {
  const lp = pm.model.meta.loop;
  if (!auto || !lp) {
    for (const l of pm.stored) pass(l);
    return undefined;
  }
  for (let l = 0; l < lp.start; l++) pass(l);
  const last = new Array<number>(B).fill(0);
  let settled = false;
  for (let t = 1; t <= auto.maxLoops + 1 && !settled; t++) {
    state.save();
    for (let l = lp.start; l < lp.end; l++) pass(l);
    settled = true;
    for (let b = 0; b < B; b++) {
      if (state.changed(b)) {
        last[b] = t;
        settled = false;
      }
    }
  }
  if (!settled) throw new LoopsDidNotSettle(`the loop did not settle within ${auto.maxLoops} iterations`);
  for (let l = lp.end; l < pm.distinct.length; l++) pass(l);
  return last;
}

export function forwardLayerMajor(pm: PreparedModel, seqs: Int32Array[], opts: LayerMajorOptions = {}): LayerMajorResult {
  const B = seqs.length;
  const L = seqs[0]!.length;
  const { d, V } = pm;
  // Position-only heads' weights are reused across passes of heads of one score group (a stored
  // layer's head in every iteration; equal heads of different layers: score-groups.ts) while they
  // fit in MEMO_ENTRIES numbers (an exact saving: the same rounded scores, recomputed otherwise).
  const groups = scoreGroups(pm.distinct);
  const memoEntries = (groups.count * (L * (L + 1))) / 2;
  const st = new CpuStepper(pm, B, L, { slots: pm.distinct, ...(memoEntries <= MEMO_ENTRIES ? { memo: groups } : {}) });
  const row = B * d;
  const H = new Float64Array(L * row);
  const toks = new Int32Array(B);
  for (let i = 0; i < L; i++) {
    for (let b = 0; b < B; b++) toks[b] = seqs[b]![i]!;
    st.embed(i, toks);
    H.set(st.state, i * row);
  }
  opts.onPass?.({ stored: -1, H, details: new Map() });
  const pass = (l: number): void => {
    const layer = pm.distinct[l]!;
    const details = new Map<number, LayerDetail>();
    for (let i = 0; i < L; i++) {
      st.state.set(H.subarray(i * row, (i + 1) * row));
      const detail = opts.detailAt?.(i) ? emptyDetail(layer, d) : undefined;
      st.layer(l, layer, i, detail);
      if (detail) details.set(i, detail);
      H.set(st.state, i * row);
    }
    opts.onPass?.({ stored: l, H, details });
  };
  const before = opts.auto ? new Float64Array(H.length) : undefined;
  const loops = runPasses(pm, B, pass, opts.auto, {
    save: () => before!.set(H),
    changed: (b) => {
      for (let i = 0; i < L; i++) {
        const o = i * row + b * d;
        for (let c = 0; c < d; c++) if (H[o + c] !== before![o + c]) return true;
      }
      return false;
    },
  });
  const argmax = seqs.map(() => new Int32Array(L));
  const logits = opts.logits ? seqs.map(() => new Float32Array(L * V)) : undefined;
  const lg = logits ? new Float64Array(B * V) : undefined;
  for (let i = 0; i < L; i++) {
    st.state.set(H.subarray(i * row, (i + 1) * row));
    const am = st.readout(lg);
    for (let b = 0; b < B; b++) {
      argmax[b]![i] = am[b]!;
      if (lg && logits) for (let v = 0; v < V; v++) logits[b]![i * V + v] = lg[b * V + v]!;
    }
  }
  return { argmax, ...(logits ? { logits } : {}), ...(loops ? { loops } : {}) };
}
