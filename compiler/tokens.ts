// The vocabularies. "0" and "1" come first so that argmax ties (which the construction never
// produces) resolve to a value token. In the 4-token CoT a gate writes its type token (AND, OR,
// ...), the values of its inputs ("-" where the gate has no such input), then its own value.

import { OP_NAMES } from '../circuits/index.js';
import type { CotFormat } from './model.js';

export const BOS = '<bos>';
export const NA = '-';

export function vocabulary(cot: CotFormat): string[] {
  return cot === 'gate' ? ['0', '1', BOS] : ['0', '1', ...OP_NAMES, NA, BOS];
}

export const TOKEN_ZERO = 0;
export const TOKEN_ONE = 1;
