// s5 --count M [--tree]: composition of M permutations of {0,1,2,3,4} (LLZM24, Sec. 4, "S5").
//   inputs:  p0[15], p1[15], ..., p(M-1)[15]; entry j of p_i (= p_i(j)) is bits 3j..3j+2
//   outputs: q[15] = p_(M-1) o ... o p_1 o p_0 (p_0 applied first); entry j is bits 3j..3j+2
// Invalid encodings are allowed and follow one fixed rule: applying p to a value v reads
// entry v of p when v < 5 and gives 0 when v >= 5 (entries themselves may be any of 0..7).
// So q(j) = f_(M-1)(... f_1(p_0[j])), where f_i(v) = p_i[v] for v < 5 and 0 otherwise; with
// valid permutations this is the ordinary composition. lsb0: wire k of a group is bit k of
// its value.
//
// Serial (default): one table lookup (a 3-level mux tree) per entry per permutation, so the
// depth grows linearly with M. Named s5_m<M>.
//
// --tree: the same function as a balanced binary tree of depth O(log M) (adjacent pairs are
// composed level by level, a lone last element passes up; ceil(log2 M) levels, each one
// lookup deep), the group-composition circuit of SSRKR25. Named s5_tree_m<M>.
// Why it computes exactly the serial function, on every input including invalid ones:
// each f_i is a map {0..7} -> {0..7}, and serial q(j) = (f_(M-1) o ... o f_0)(j) for j < 5
// (it starts from the identity, and f_0(j) = p_0[j]). A composite of such maps is in general
// NOT of the form f_t for a 5-entry table t: (f_b o f_a)(7) = f_b(0) = b[0], not 0. So
// composing 5-entry tables and applying the results with the invalid-entry rule would be
// wrong (p_0 = identity, p_1[0] = 7, p_3[0] = 2: serial 0 -> 0 -> 7 -> 0 -> 2, but applying
// the table of f_3 o f_2 to 7 by the rule gives 0). Instead every tree node carries its
// segment's map F on all of {0..7} as (h, z): F(v) = h[v] for v < 5 and z for v >= 5. One z
// suffices because every segment map is G o f_i, and f_i sends 5, 6, 7 all to 0. A leaf is
// (p_i, 0) = f_i exactly. A node G o F is (h, z) with h[j] = G(F.h[j]) and z = G(F.z), where
// G is read as a plain 8-entry table [G.h0 .. G.h4, G.z, G.z, G.z]: exact, no rule involved.
// So by induction every node is exactly the composite of its leaves' maps, composition of
// maps is associative, and the root is f_(M-1) o ... o f_0 under any bracketing; q is its h.

import { constWord, lookup } from './arith.js';
import { Logic, type Bit } from './logic.js';
import { flagOption, intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const COUNT: GenOption = { name: 'count', kind: 'int', default: '8', help: 'how many permutations, 1..4096' };
const TREE: GenOption = { name: 'tree', kind: 'flag', help: 'compose as a balanced binary tree: depth O(log M) instead of O(M)' };

/** A map {0..7} -> {0..7} as 3-bit words: h[v] for v < 5, z for v >= 5. */
interface Segment {
  h: Bit[][];
  z: Bit[];
}

/** g o f (f applied first), exactly, on all of 0..7. */
function compose(L: Logic, g: Segment, f: Segment): Segment {
  const table = [...g.h, g.z, g.z, g.z];
  return { h: f.h.map((v) => lookup(L, v, table, 3)), z: lookup(L, f.z, table, 3) };
}

function buildTree(L: Logic, ps: Bit[][][]): Bit[][] {
  let level: Segment[] = ps.map((p) => ({ h: p, z: constWord(0, 3) }));
  while (level.length > 1) {
    const next: Segment[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(compose(L, level[i + 1]!, level[i]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!.h;
}

export const s5Generator: Generator = {
  family: 's5',
  summary: 'composition of M permutations of 0..4, 3 bits per entry: p0..p(M-1) -> q[15]',
  options: [COUNT, TREE],
  build(opts) {
    const m = intOption(opts, COUNT, 1, 4096);
    const tree = flagOption(opts, TREE);
    const L = new Logic();
    const ps: Bit[][][] = [];
    for (let i = 0; i < m; i++) {
      const p = L.input(`p${i}`, 15);
      ps.push([0, 1, 2, 3, 4].map((j) => p.slice(3 * j, 3 * j + 3)));
    }
    let q: Bit[][];
    if (tree) {
      q = buildTree(L, ps);
    } else {
      // Start from the identity; applying p_0 to constant indices folds to p_0's own entries.
      q = [0, 1, 2, 3, 4].map((j) => constWord(j, 3));
      for (const table of ps) q = q.map((v) => lookup(L, v, table, 3)); // indices 5..7 read 0
    }
    L.output('q', q.flat());
    return L.finish(tree ? `s5_tree_m${m}` : `s5_m${m}`);
  },
};
