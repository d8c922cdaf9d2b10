// The vocabularies. "0" and "1" come first so that argmax ties (which the construction never
// produces) resolve to a value token.
//   positional gate CoT: 0 1 <bos>
//   positional 4tok:     0 1, the ten gate types (AND ... CONST1), "-", <bos>; a gate writes its
//                        type token, the values of its inputs ("-" where it has no such input),
//                        then its own value
//   uniform (capacity N): 0 1, the ten gate types with the constants spelled as in the circuit
//                        value problem (FALSE, TRUE), "NA", <bos>, then one token "#k" per wire
//                        id k = 1..N

import { OP_NAMES, Op, type OpCode } from '../circuits/index.js';
import type { CotFormat } from './model.js';

export const BOS = '<bos>';
export const NA = '-';
/** The unused-operand token of the uniform vocabulary (the CVP spelling). */
export const UNIFORM_NA = 'NA';

export function vocabulary(cot: CotFormat): string[] {
  return cot === 'gate' ? ['0', '1', BOS] : ['0', '1', ...OP_NAMES, NA, BOS];
}

export const TOKEN_ZERO = 0;
export const TOKEN_ONE = 1;

/** The type token of an op in the uniform vocabulary (CONST0/CONST1 are FALSE/TRUE). */
export function uniformTypeName(op: OpCode): string {
  if (op === Op.CONST0) return 'FALSE';
  if (op === Op.CONST1) return 'TRUE';
  return OP_NAMES[op];
}

export const UNIFORM_TYPES: readonly string[] = OP_NAMES.map((_, op) => uniformTypeName(op as OpCode));

/** The token of wire id k (1-based, as in the CVP format). */
export function idToken(k: number): string {
  return `#${k}`;
}

/** The wire id of an id token, or 0 when the token is not one. */
export function idOfToken(tok: string): number {
  if (tok.length < 2 || tok[0] !== '#') return 0;
  const k = Number(tok.slice(1));
  return Number.isInteger(k) && k > 0 ? k : 0;
}

/** Vocabulary of a uniform model of capacity N: id tokens come last, #k at index ID_BASE + k - 1. */
export function uniformVocabulary(capacity: number): string[] {
  const v = ['0', '1', ...UNIFORM_TYPES, UNIFORM_NA, BOS];
  for (let k = 1; k <= capacity; k++) v.push(idToken(k));
  return v;
}

/** Index of "#1" in a uniform vocabulary. */
export const UNIFORM_ID_BASE = 2 + OP_NAMES.length + 2;
