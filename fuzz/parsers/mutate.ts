// Mutations of seed files for the parser fuzzer, drawn from a seeded Rng (deterministic on every
// machine). Text operations work on the bytes read as latin1, so every byte survives them.
//   truncate        cut the file at a random byte
//   delete-lines    remove 1-3 consecutive lines
//   duplicate-line  repeat a line 1-3 times
//   swap-tokens     exchange two whitespace-separated tokens
//   flip-bytes      overwrite 1-4 bytes with random values
//   insert-slice    insert a copy of a short slice of the file somewhere
//   number          replace a decimal number by an edge value (0, 2^31, 2^53 + 1, 10^30, n ± 1...)
//   insert-token    insert a token of some format (`(`, `[99999999]`, `.latch`, `__proto__`, NUL, UTF-8...)
//   repeat          repeat a short slice hundreds to tens of thousands of times (deep nesting,
//                   long lines, quadratic paths)
//   splice          the head of this file and the tail of another seed file
//   random-bytes    a short file of random bytes
// One to three of them apply to each mutant.

import type { Rng } from '../../circuits/gen/prng.js';

export const MUTATIONS = [
  'truncate', 'delete-lines', 'duplicate-line', 'swap-tokens', 'flip-bytes', 'insert-slice',
  'number', 'insert-token', 'repeat', 'splice', 'random-bytes',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

const EDGE_NUMBERS = [
  '0', '1', '2', '3', '7', '8', '15', '16', '31', '32', '63', '64', '255', '256', '1023', '65535', '65536',
  '1048576', '2147483647', '2147483648', '4294967295', '4294967296', '9007199254740993',
  '18446744073709551616', '1000000000000000000000000000000', '00', '007', '-1', '1e9', '0x10', '0b101', '1_000',
];

const TOKENS = [
  '(', ')', ',', ';', '=', '[', ']', '[0]', '[99999999]', '[-1]', '->', '~', '&', '|', '^', '.', '-', '#', '$',
  '//', '/*', '*/', '"', '\\', '\0', '\r', '\n', '\t', ' ', '\u00e9', '\u{1F600}', '\uFEFF',
  'input ', 'output ', 'test ', 'circuit ', 'AND', 'NOT', 'XOR(', 'CONST1', 'BUF(', 'MAJ(',
  '.names ', '.inputs ', '.outputs ', '.latch ', '.subckt ', '.end\n', '.model ', '\n1 1\n', '\n-1 0\n',
  'INPUT(', 'OUTPUT(', 'DFF(', 'aag ', 'aig ', 'i0 ', 'o0 ', 'l0 ', '\nc\n',
  'INV', 'EQ', 'EQW', 'MAND', '2 1 ', '1 1 ',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

function fromLatin1(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** A token as the latin1 image of its UTF-8 bytes. */
function utf8AsLatin1(s: string): string {
  return latin1(new TextEncoder().encode(s));
}

/** Largest mutant: bigger ones only slow the campaign down. */
const MAX_MUTANT = 512 * 1024;

function insertAt(s: string, at: number, piece: string): string {
  return s.slice(0, at) + piece + s.slice(at);
}

function applyOne(m: Mutation, s: string, rng: Rng, others: Uint8Array[]): string {
  const pos = (): number => rng.below(s.length + 1);
  switch (m) {
    case 'truncate':
      return s.slice(0, pos());
    case 'delete-lines': {
      const lines = s.split('\n');
      lines.splice(rng.below(lines.length), 1 + rng.below(3));
      return lines.join('\n');
    }
    case 'duplicate-line': {
      const lines = s.split('\n');
      const k = rng.below(lines.length);
      lines.splice(k, 0, ...new Array<string>(1 + rng.below(3)).fill(lines[k]!));
      return lines.join('\n');
    }
    case 'swap-tokens': {
      const toks = s.split(/(\s+)/);
      const words = toks.map((t, i) => (/^\s*$/.test(t) ? -1 : i)).filter((i) => i >= 0);
      if (words.length < 2) return s;
      const x = words[rng.below(words.length)]!;
      const y = words[rng.below(words.length)]!;
      [toks[x], toks[y]] = [toks[y]!, toks[x]!];
      return toks.join('');
    }
    case 'flip-bytes': {
      let t = s;
      for (let k = 1 + rng.below(4); k > 0 && t.length > 0; k--) {
        const at = rng.below(t.length);
        t = t.slice(0, at) + String.fromCharCode(rng.below(256)) + t.slice(at + 1);
      }
      return t;
    }
    case 'insert-slice': {
      const from = rng.below(s.length + 1);
      return insertAt(s, pos(), s.slice(from, from + 1 + rng.below(16)));
    }
    case 'number': {
      const nums = [...s.matchAll(/\d+/g)];
      if (nums.length === 0) return s;
      const hit = nums[rng.below(nums.length)]!;
      const v = Number(hit[0]);
      const r = rng.below(EDGE_NUMBERS.length + 3);
      const rep = r < EDGE_NUMBERS.length ? EDGE_NUMBERS[r]! : String(r === EDGE_NUMBERS.length ? v + 1 : r === EDGE_NUMBERS.length + 1 ? Math.max(0, v - 1) : v * 2);
      return s.slice(0, hit.index) + rep + s.slice(hit.index + hit[0].length);
    }
    case 'insert-token':
      return insertAt(s, pos(), utf8AsLatin1(TOKENS[rng.below(TOKENS.length)]!));
    case 'repeat': {
      const from = rng.below(s.length + 1);
      const piece = s.slice(from, from + 1 + rng.below(8)) || '(';
      const times = [100, 1000, 10_000, 50_000][rng.below(4)]!;
      return insertAt(s, pos(), piece.repeat(Math.min(times, Math.floor(MAX_MUTANT / piece.length))));
    }
    case 'splice': {
      if (others.length === 0) return s;
      const o = latin1(others[rng.below(others.length)]!);
      return s.slice(0, pos()) + o.slice(rng.below(o.length + 1));
    }
    case 'random-bytes':
      return String.fromCharCode(...Array.from({ length: rng.below(200) }, () => rng.below(256)));
  }
}

export interface Mutant {
  bytes: Uint8Array;
  mutations: Mutation[];
}

/** One mutant of `bytes`: 1 to 3 mutations (1 half the time); `others` feed splices. */
export function mutate(bytes: Uint8Array, rng: Rng, others: Uint8Array[] = []): Mutant {
  let s = latin1(bytes);
  const count = rng.below(2) === 0 ? 1 : 2 + rng.below(2);
  const mutations: Mutation[] = [];
  for (let k = 0; k < count; k++) {
    // random-bytes replaces everything: rarer than the others.
    let m = MUTATIONS[rng.below(MUTATIONS.length)]!;
    if (m === 'random-bytes' && rng.below(4) !== 0) m = 'flip-bytes';
    mutations.push(m);
    s = applyOne(m, s, rng, others);
    if (s.length > MAX_MUTANT) s = s.slice(0, MAX_MUTANT);
  }
  return { bytes: fromLatin1(s), mutations };
}
