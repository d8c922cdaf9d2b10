// What a uniform model fetched at one step, and the plain-language line written from it (never
// from what it should have fetched). The positions are those the heads attended to most:
//   description  its top position names the description fetched: the four prompt tokens of that
//                position's group, TYPE in1 in2 #k, decoded from the sequence;
//   next         (a step writing an id) its top position holds the id the model copies;
//   operand      (a step writing an operand value) its top position is where the value came from;
//   group_1      (a step writing a wire's value) its top position holds input a; input b is the
//                token at the query position itself (the one just written).
// The line says "but ..." wherever these contradict each other, the gate or the circuit (the
// group's wire, a wire's true value by direct evaluation):
//   id #7, fetched from position 28: the next description's id (the one after #6's)
//   input a of #7 = AND(#3, #5) is #3 = 1, fetched from position 56 (the value token of #3's CoT group)
//   #7 = AND(#3, #5) = AND(1, 0) = 0

import { applyOp, arity, type OpCode } from '../circuits/index.js';
import { idOfToken, UNIFORM_NA, UNIFORM_TYPES } from '../model/index.js';

export interface Fetched {
  position: number;
  token: string;
}

/** The description holding the position the `description` head attended to most. */
export interface FetchedDescription {
  /** That position (a description's own-id position when the head found one). */
  position: number;
  type: string;
  in1: string;
  in2: string;
  id: string;
}

export interface UniformFetch {
  /** null when the head's top position is not in a description (the start token, the CoT). */
  description: FetchedDescription | null;
  /** Steps writing an id: the `next` head's top position and its token. */
  next?: Fetched;
  /** Steps writing an operand value: the `operand` head's top position and its token. */
  operand?: Fetched;
  /** Steps writing a wire's value: where the gate's inputs a and b were read. */
  inputs?: [Fetched, Fetched];
}

/** What the uniform line needs from the trace. */
export interface UniformContext {
  promptLength: number;
  /** Position p has label p + labelOffset; its slot is label mod 4. */
  labelOffset: number;
  /** Each wire's own value position. */
  wirePos: Int32Array;
  /** The tokens the model wrote, and the reference sequence (direct evaluation). */
  seq: Int32Array;
  expected: Int32Array;
  tok: (id: number) => string;
  /** Each description's own-id token and its position (the first, where an id repeats). */
  descriptions: Map<string, number>;
}

/** The context of a trace's lines: the sequence the model wrote and its descriptions. */
export function uniformContext(x: Omit<UniformContext, 'descriptions'>): UniformContext {
  const descriptions = new Map<string, number>();
  for (let p = 1; p < x.promptLength; p++) {
    const id = x.tok(x.seq[p]!);
    if (((p + x.labelOffset) & 3) === 3 && !descriptions.has(id)) descriptions.set(id, p);
  }
  return { ...x, descriptions };
}

export interface UniformStep {
  pos: number;
  wire: number;
  role: string;
  heads: { name: string; top: { pos: number }[] }[];
  uniform?: UniformFetch;
}

const DESC_SLOTS = ['type token', 'first operand', 'second operand', 'id token'];
const COT_SLOTS = ['id token', 'input a value', 'input b value', 'value token'];

function slotOf(x: UniformContext, p: number): number {
  return (p + x.labelOffset) & 3;
}

function topOf(t: UniformStep, name: string): number {
  return t.heads.find((h) => h.name === name)?.top[0]?.pos ?? -1;
}

function at(x: UniformContext, p: number): Fetched {
  return { position: p, token: p >= 0 ? x.tok(x.seq[p]!) : '?' };
}

/** What a step fetched, read from the heads' top positions and the sequence. */
export function uniformFetch(x: UniformContext, t: UniformStep): UniformFetch {
  const d = topOf(t, 'description');
  const out: UniformFetch = { description: descriptionAt(x, d) };
  if (t.role === 'id') out.next = at(x, topOf(t, 'next'));
  else if (t.role === 'in_a' || t.role === 'in_b') out.operand = at(x, topOf(t, 'operand'));
  else out.inputs = [at(x, topOf(t, 'group_1')), at(x, t.pos)];
  return out;
}

function descriptionAt(x: UniformContext, d: number): FetchedDescription | null {
  const start = d - slotOf(x, d);
  if (d < 1 || start < 1 || start + 3 >= x.promptLength) return null;
  const tk = (i: number) => x.tok(x.seq[start + i]!);
  return { position: d, type: tk(0), in1: tk(1), in2: tk(2), id: tk(3) };
}

/** What position q holds, by the sequence: "the value token of #3's CoT group". */
export function positionRole(x: UniformContext, q: number): string {
  if (q <= 0) return q === 0 ? 'the start token' : 'no position';
  const slot = slotOf(x, q);
  const start = q - slot;
  if (q < x.promptLength) return start + 3 < x.promptLength ? `the ${DESC_SLOTS[slot]} of ${x.tok(x.seq[start + 3]!)}'s description` : 'a description';
  return `the ${COT_SLOTS[slot]} of ${x.tok(x.seq[start]!)}'s CoT group`;
}

/** "#7 = AND(#3, #5)", "#7 = NOT(#3)", "#1 = TRUE"; raw tokens when the type is no type. */
export function descriptionText(d: FetchedDescription): string {
  const op = UNIFORM_TYPES.indexOf(d.type);
  if (op < 0) return `${d.id} = [${d.type} ${d.in1} ${d.in2}]`;
  const args = [d.in1, d.in2].slice(0, arity(op as OpCode));
  return args.length ? `${d.id} = ${d.type}(${args.join(', ')})` : `${d.id} = ${d.type}`;
}

function but(clauses: string[]): string {
  return clauses.length > 0 ? `, but ${clauses.join(' and ')}` : '';
}

/** A wire's true value (direct evaluation) by its id token, or undefined for no wire. */
function truthOf(x: UniformContext, idTok: string): { pos: number; value: string } | undefined {
  const w = idOfToken(idTok) - 1;
  if (w < 0 || w >= x.wirePos.length) return undefined;
  const pos = x.wirePos[w]!;
  return { pos, value: x.tok(x.expected[pos]!) };
}

/** The description clauses: another wire's description, or a position that is not its id. */
function descriptionOff(x: UniformContext, t: UniformStep, d: FetchedDescription): string[] {
  const off: string[] = [];
  if (slotOf(x, d.position) !== 3) off.push(`position ${d.position} is ${positionRole(x, d.position)}, not its id`);
  if (idOfToken(d.id) !== t.wire + 1) off.push(`this is #${t.wire + 1}'s group`);
  return off;
}

/** The plain-language line of one step of a uniform model. */
export function uniformStepText(x: UniformContext, t: UniformStep, f: UniformFetch): string {
  const wrote = x.tok(x.seq[t.pos + 1]!);
  if (t.role === 'id') return idText(x, t, f.next!, wrote);
  const d = f.description;
  if (!d) {
    const q = topOf(t, 'description');
    return `wrote ${wrote}, but the description head read position ${q} (${positionRole(x, q)}), not a description`;
  }
  if (t.role === 'in_a' || t.role === 'in_b') return operandText(x, t, d, f.operand!, wrote);
  return valueText(x, t, d, f.inputs!, wrote);
}

/** The id step: the id of the description after the previous group's (the first at the start). */
function idText(x: UniformContext, t: UniformStep, n: Fetched, wrote: string): string {
  const g0 = topOf(t, 'group_0');
  const prev = g0 >= x.promptLength ? x.tok(x.seq[g0]!) : '';
  const after = idOfToken(prev) > 0 ? `the one after ${prev}'s` : 'the first';
  const nd = nextDescription(x, prev);
  const off: string[] = [];
  let head = `id ${wrote}, fetched from position ${n.position}`;
  if (n.position === nd) head += `: the next description's id (${after})`;
  else {
    head += ` (${positionRole(x, n.position)})`;
    off.push(nd >= 0 ? `the next description (${after}) is ${x.tok(x.seq[nd]!)}'s, id at position ${nd}` : `no description follows ${prev}'s`);
  }
  if (wrote !== n.token) off.push(`position ${n.position} holds ${n.token}`);
  const own = `#${t.wire + 1}`;
  if (wrote !== own) off.push(`this is ${own}'s group`);
  return head + but(off);
}

/** Position of the id token of the description after prev's (the first when prev is no id); -1: none. */
function nextDescription(x: UniformContext, prev: string): number {
  // Before the first description: the slot-3 position at or before <bos> (position 0 itself).
  const p = idOfToken(prev) === 0 ? -((slotOf(x, 0) + 1) & 3) : x.descriptions.get(prev);
  return p !== undefined && p + 4 < x.promptLength ? p + 4 : -1;
}

function operandText(x: UniformContext, t: UniformStep, d: FetchedDescription, o: Fetched, wrote: string): string {
  const first = t.role === 'in_a';
  const which = first ? 'a' : 'b';
  const operand = first ? d.in1 : d.in2;
  const off = descriptionOff(x, t, d);
  if (operand === UNIFORM_NA) {
    if (wrote !== UNIFORM_NA) off.push(`it wrote ${wrote}`);
    return `${descriptionText(d)} has no input ${which}: write NA${but(off)}`;
  }
  const truth = truthOf(x, operand);
  if (truth && o.position !== truth.pos) off.push(`${operand}'s value token is at position ${truth.pos}`);
  if (wrote !== o.token) off.push(`position ${o.position} holds ${o.token}`);
  if (truth && wrote !== truth.value) off.push(`${operand} is ${truth.value}`);
  if (!truth) off.push(`${operand} names no wire`);
  return `input ${which} of ${descriptionText(d)} is ${operand} = ${wrote}, fetched from position ${o.position} (${positionRole(x, o.position)})${but(off)}`;
}

function bitOf(s: string): number | undefined {
  return s === '0' ? 0 : s === '1' ? 1 : undefined;
}

/** The value step: the fetched type applied to the two values just written. */
function valueText(x: UniformContext, t: UniformStep, d: FetchedDescription, inputs: [Fetched, Fetched], wrote: string): string {
  const off = descriptionOff(x, t, d);
  const op = UNIFORM_TYPES.indexOf(d.type);
  if (op < 0) {
    off.push(`${d.type} is no gate type`);
    return `${descriptionText(d)} = ${wrote}${but(off)}`;
  }
  const n = arity(op as OpCode);
  const ins = inputs.slice(0, n).map((i) => i.token);
  const bits = ins.map(bitOf);
  if (bits.every((b) => b !== undefined)) {
    const f = String(applyOp(op as OpCode, bits[0] ?? 0, bits[1] ?? 0));
    if (f !== wrote) off.push(n ? `${d.type}(${ins.join(', ')}) is ${f}` : `${d.type} is ${f}`);
  }
  [d.in1, d.in2].slice(0, n).forEach((operand, i) => {
    const truth = truthOf(x, operand);
    if (!truth || ins[i] === truth.value) return;
    const slot = t.pos - 1 + i;
    const misread = inputs[i]!.position !== slot ? ` (group_1 read position ${inputs[i]!.position}, not ${slot})` : '';
    off.push(`${operand} is ${truth.value}${misread}`);
  });
  const applied = n ? ` = ${d.type}(${ins.join(', ')})` : '';
  return `${descriptionText(d)}${applied} = ${wrote}${but(off)}`;
}
