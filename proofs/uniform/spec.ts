// What the all-circuits certificate requires of a uniform model file: the construction of
// compiler/uniform (docs/proofs.md, "Every circuit at once") written down as data, by named
// subspaces. The certificate checks the file's weights against it, then each block's lemma over its
// whole input domain; the induction in docs/proofs.md glues the lemmas into the theorem.

export interface HeadSpec {
  name: string;
  layer: number;
  /** Position heads: the rule of their targets (checked at every position). */
  rule?: 'group-slot' | 'previous-group';
  offset?: number;
  /** Content heads: the query's and key's code bits, in pair order (subspace names; `one` = the constant 1). */
  query?: string[];
  key?: string[];
  /** Value copies, subspace to subspace, element by element ('one' copies the constant). */
  copies: [from: string, to: string][];
}

/** The heads of the uniform construction. `*` expands a subspace to its elements. */
export const UNIFORM_HEADS: HeadSpec[] = [
  { name: 'group_0', layer: 0, rule: 'group-slot', offset: 0, copies: [['tcode', 'g_code'], ['t_tt', 'g_tt']] },
  { name: 'group_1', layer: 0, rule: 'group-slot', offset: 1, copies: [['tcode', 'o1_code'], ['t_na', 'o1_na'], ['t_val', 'o1_val']] },
  { name: 'group_2', layer: 0, rule: 'group-slot', offset: 2, copies: [['tcode', 'o2_code'], ['t_na', 'o2_na']] },
  { name: 'previous', layer: 0, rule: 'previous-group', copies: [['tcode', 'p_code']] },
  {
    name: 'description',
    layer: 1,
    query: ['g_code*', 'one', 'one'],
    key: ['tcode*', 's3', 't_id'],
    copies: [['g_tt', 'd_tt'], ['o1_code', 'd_in1'], ['o1_na', 'd_na1'], ['o2_code', 'd_in2'], ['o2_na', 'd_na2']],
  },
  { name: 'next', layer: 1, query: ['g_code*', 'one', 'one'], key: ['p_code*', 's3', 't_id'], copies: [['tcode|one', 'next_pair']] },
  { name: 'operand', layer: 2, query: ['q_op*', 'one', 'one'], key: ['g_code*', 's3', 't_isval'], copies: [['t_val', 'val']] },
];

/** The residual subspaces the token embedding writes, per kind of token (others stay 0). */
export const TOKEN_SUBSPACES = ['tcode', 't_id', 't_isval', 't_val', 't_na', 't_tt'];
/** The subspaces the position embedding writes besides the position codes the position heads check. */
export const POSITION_SUBSPACES = ['one', 'slot', 's3', 'pos_bits', 'prev_bits'];
