// The plain-language line of a positional model's trace step ("gate 17 = AND(x3, g12) = AND(1, 0)
// = 0", "gate 0 (G10gat) = NAND(G1gat, G3gat) = ..."; a uniform model's: uniform-line.ts),
// written from what the model itself fetched and wrote at that step, never from what it should
// have. Wires are named by wireLabel, the names the trace JSON carries and the page's diagram
// draws on its boxes (client/model.ts nodeName), so the line and the diagram agree:
//   4tok, input slots  the token the model wrote (the bit its heads fetched and copied);
//   4tok, value slot   the two tokens the model wrote in the group's slots 1 and 2, which are
//                      what its heads read at this step (positions p - 1 and p);
//   gate CoT           the token at the position each head attended to most (its argmax).
// When the model's value is not the gate applied to those inputs, or a fetched value is not the
// wire's true value (direct evaluation), the line says so: "... = 0, but AND(1, 1) is 1".

import { OP_NAMES, applyOp, wireLabel, type Circuit, type OpCode } from '../circuits/index.js';
import { gateLabel } from './verify.js';

export type StepRole = 'type' | 'id' | 'in_a' | 'in_b' | 'value';

/** What the line needs from the trace: the circuit, the sequence the model wrote and the true one. */
export interface LineContext {
  c: Circuit;
  cot: string;
  wirePos: Int32Array;
  /** The tokens the model wrote (the generating engine's argmax). */
  seq: Int32Array;
  /** The reference sequence (direct evaluation). */
  expected: Int32Array;
  tok: (id: number) => string;
}

/** The parts of a step the line reads. */
export interface LineStep {
  pos: number;
  gate: number;
  role: StepRole;
  heads: { target: number; top: { pos: number }[] }[];
}

function bitOf(s: string): 0 | 1 | undefined {
  return s === '0' ? 0 : s === '1' ? 1 : undefined;
}

/** op applied to the fetched tokens, or undefined when one of them is not a bit. */
function applyTo(op: OpCode, ins: string[]): string | undefined {
  const bits = ins.map(bitOf);
  if (bits.some((b) => b === undefined)) return undefined;
  return String(applyOp(op, bits[0] ?? 0, bits[1] ?? 0));
}

/** A gate as the line names it: "gate 17", with its wire's own name when it has one ("gate 0 (G10gat)"). */
export function gateName(c: Circuit, g: number): string {
  const label = wireLabel(c, c.nInputs + g);
  return label === `g${g}` ? `gate ${g}` : `gate ${g} (${label})`;
}

function but(clauses: string[]): string {
  return clauses.length > 0 ? `, but ${clauses.join(' and ')}` : '';
}

/** The plain-language line of one step. */
export function stepText(x: LineContext, t: LineStep): string {
  const { c, seq, tok } = x;
  const g = t.gate;
  const op = c.ops[g] as OpCode;
  const opName = OP_NAMES[op];
  const args = [c.a[g]!, c.b[g]!].filter((w) => w >= 0);
  const wrote = tok(seq[t.pos + 1]!);
  const truth = (w: number) => tok(x.expected[x.wirePos[w]!]!);
  const name = gateName(c, g);
  switch (t.role) {
    case 'type': {
      const off = wrote !== opName ? [`it wrote ${wrote}`] : [];
      return `${name} is ${gateLabel(c, g).replace(/^.* = /, '')}: write its type ${opName}${but(off)}`;
    }
    case 'in_a':
    case 'in_b': {
      const first = t.role === 'in_a';
      const w = args[first ? 0 : 1];
      if (w === undefined) return `${name} has no ${first ? 'first' : 'second'} input: write -${but(wrote !== '-' ? [`it wrote ${wrote}`] : [])}`;
      const src = x.wirePos[w]!;
      const held = tok(seq[src]!);
      // Wrong against the truth (a misread, or an earlier error read faithfully), or a misread of
      // a wrong source that happens to give the true value.
      const off: string[] = [];
      if (wrote !== truth(w)) off.push(`${wireLabel(c, w)} is ${truth(w)}${wrote !== held ? ` (position ${src} holds ${held})` : ''}`);
      else if (wrote !== held) off.push(`position ${src} holds ${held}`);
      return `${name}: input ${first ? 'a' : 'b'} is ${wireLabel(c, w)} = ${wrote} (from position ${src})${but(off)}`;
    }
    default:
      return valueText(x, t, op, args, wrote);
  }
}

/** The value step: the gate applied to the fetched inputs, and where that went wrong. */
function valueText(x: LineContext, t: LineStep, op: OpCode, args: number[], wrote: string): string {
  const { c, seq, tok } = x;
  const opName = OP_NAMES[op];
  // Where each input was read: the slots just written (4tok), or each head's argmax (gate CoT).
  const from = args.map((w, i) => (x.cot === 'gate' ? (t.heads[i]?.top[0]?.pos ?? x.wirePos[w]!) : t.pos - 1 + i));
  const ins = from.map((q) => tok(seq[q]!));
  const off: string[] = [];
  const f = applyTo(op, ins);
  if (f !== undefined && f !== wrote) off.push(`${opName}(${ins.join(', ')}) is ${f}`);
  args.forEach((w, i) => {
    const want = tok(x.expected[x.wirePos[w]!]!);
    if (ins[i] === want) return;
    const misread = x.cot === 'gate' && from[i] !== x.wirePos[w] ? ` (head ${i === 0 ? 'a' : 'b'} read position ${from[i]}, not ${x.wirePos[w]})` : '';
    off.push(`${wireLabel(c, w)} is ${want}${misread}`);
  });
  const shown = args.map((w) => wireLabel(c, w)).join(', ');
  return `${gateName(c, t.gate)} = ${opName}(${shown}) = ${opName}(${ins.join(', ')}) = ${wrote}${but(off)}`;
}
