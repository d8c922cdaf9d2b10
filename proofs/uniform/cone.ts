// Claim 4 for a multi-layer model: at every CoT position, for every input, the argmax is the right
// token. The attention pattern is the same for every input (taint.ts), so the residual stream at
// position p depends on the input only through the tokens of p's cone: p, the positions its heads
// fetch from, theirs, and so on, through the heads that copy something input-dependent. The wires
// whose values choose those tokens (and the wires the next token depends on) are enumerated; every
// other contribution (the weight a head puts elsewhere, outward f32 only) is bounded over all
// inputs by the attention pass. Margins: the least lead of the right token over every other.

import type { Expectation } from '../context.js';
import { headOutput, visibleHull, type AttentionPass } from './attention.js';
import { embedAt, layerStep, type Network } from './network.js';
import type { Box } from './ops.js';
import type { Taint } from './taint.js';

function nanBox(n: number): Box {
  return { lo: new Float64Array(n).fill(NaN), hi: new Float64Array(n).fill(NaN) };
}

/** Beyond this many enumerated wires at one position the certifier gives up there. */
export const MAX_WIRES = 16;
/** Memoised boxes kept before the cache is cleared. */
const MEMO_LIMIT = 40_000;

export interface ConeResult {
  margin: number;
  detail: string;
  wires: number;
}

export class ConeEvaluator {
  private readonly relMemo = new Map<number, number[]>();
  private memo = new Map<string, Box>();
  private logitMemo = new Map<string, Box>();
  /** The residual coordinates the output layer reads (its logits depend on these alone). */
  private readonly readCols: number[];

  constructor(
    private readonly net: Network,
    private readonly att: AttentionPass,
    private readonly taint: Taint,
  ) {
    const U = net.unembed;
    this.readCols = [...new Set<number>(Array.from(U.idx))].sort((a, b) => a - b);
  }

  /** Logits of a final residual box (cached by the coordinates the output layer reads). */
  private logits(h: Box): Box {
    const key = this.readCols.map((c) => `${h.lo[c]},${h.hi[c]}`).join(';');
    const hit = this.logitMemo.get(key);
    if (hit) return hit;
    const out = this.net.ops.matvec(this.net.unembed, h);
    if (this.logitMemo.size >= 2000) this.logitMemo = new Map();
    this.logitMemo.set(key, out);
    return out;
  }

  /** Wires on which the residual at (q, after layer l) depends (l = -1: the embedding). */
  rel(q: number, l: number): number[] {
    const key = q * 64 + l + 1;
    const hit = this.relMemo.get(key);
    if (hit) return hit;
    let out: number[];
    if (l < 0) out = this.net.wireOf[q]! >= 0 ? [this.net.wireOf[q]!] : [];
    else {
      const set = new Set(this.rel(q, l - 1));
      this.att.heads[l]!.forEach((ha, h) => {
        const t = ha.target[q]!;
        if (t >= 0 && this.taint.valueTainted[l]![h]) for (const w of this.rel(t, l - 1)) set.add(w);
      });
      out = [...set].sort((a, b) => a - b);
    }
    this.relMemo.set(key, out);
    return out;
  }

  /** The residual box at (q, after layer l) with the wires in `bits` fixed. */
  residual(q: number, l: number, bits: Map<number, number>): Box {
    const rel = this.rel(q, l);
    const key = `${q}.${l}.${rel.map((w) => bits.get(w) ?? 'x').join('')}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    let out: Box;
    if (l < 0) {
      const w = this.net.wireOf[q]!;
      out = embedAt(this.net, q, w >= 0 ? bits.get(w) : undefined);
    } else {
      const L = this.net.layers[l]!;
      const h = this.residual(q, l - 1, bits);
      const exact = !this.net.ops.outward;
      const outs = L.heads.map((hd, hi) => {
        const a = this.att.heads[l]![hi]!;
        const t = a.target[q]!;
        if (t < -1) return nanBox(hd.dv); // ambiguous or no code: nothing is proved here (claim 2 fails)
        const value = (j: number) => this.net.ops.matvec(hd.wv, this.residual(j, l - 1, bits));
        return headOutput(exact, t, value, a.alphaLo[q]!, a.alphaHi[q]!, a.eta[q]!, visibleHull(a, q), hd.dv, q + 1);
      });
      out = layerStep(this.net, l, h, outs);
    }
    if (this.memo.size >= MEMO_LIMIT) this.memo = new Map();
    this.memo.set(key, out);
    return out;
  }

  /** The least lead of the expected token at position p + 1 over every assignment of the wires that matter. */
  margin(p: number, exp: Expectation): ConeResult {
    const { net } = this;
    const last = net.layers.length - 1;
    const wires = [...new Set([...this.rel(p, last), ...exp.deps])].sort((a, b) => a - b);
    if (wires.length > MAX_WIRES) return { margin: NaN, detail: `position ${p} depends on ${wires.length} input-dependent tokens, more than ${MAX_WIRES} to enumerate`, wires: wires.length };
    const vocab = net.bound.model.vocab;
    let worst = Infinity;
    let detail = '';
    const bits = new Map<number, number>();
    for (let m = 0; m < 1 << wires.length; m++) {
      wires.forEach((w, i) => bits.set(w, (m >> i) & 1));
      const h = this.residual(p, last, bits);
      const logits = this.logits(h);
      const want = exp.token(exp.deps.map((w) => bits.get(w)!));
      let rival = -Infinity;
      let rivalTok = -1;
      for (let v = 0; v < logits.lo.length; v++) {
        if (v !== want && logits.hi[v]! > rival) {
          rival = logits.hi[v]!;
          rivalTok = v;
        }
      }
      const margin = logits.lo[want]! - rival;
      if (margin < worst || Number.isNaN(margin)) {
        worst = margin;
        const shown = wires.map((w) => `wire ${w}=${bits.get(w)}`).join(', ') || 'no free wire';
        detail = `with ${shown}, '${vocab[want]}' has logit >= ${logits.lo[want]} but '${vocab[rivalTok]}' may reach ${rival}`;
      }
    }
    return { margin: worst, detail, wires: wires.length };
  }
}
