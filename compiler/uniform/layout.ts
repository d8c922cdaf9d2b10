// The residual stream of the uniform model (circuit in the prompt), capacity N, L = ceil(log2 N),
// id codes of k = L + 1 bits (ids 0..2^k - 1; 0 names no wire), position labels of kp = L + 4 bits.
//   position embedding  one, slot[4] (one-hot slot of p), s3 (±1: slot 3), pos_bits[kp]
//                       (sbin of p's label), prev_bits[kp] (sbin of the previous group's last label)
//   token embedding     tcode[k] (sbin of the token's wire id, sbin(0) for other tokens), t_id and
//                       t_isval (±1: an id token, a value token), t_val (the token is "1"),
//                       t_na (the token is NA), t_tt[4] (a type token's truth table)
//   layer 0 heads       g_code[k], g_tt[4]             the token at slot 0 of p's group
//                       o1_code[k], o1_na, o1_val      the token at slot 1 (p itself before it)
//                       o2_code[k], o2_na              the token at slot 2 (p itself before it)
//                       p_code[k]                      the last token of the previous group
//   layer 1 heads       d_tt[4], d_in1[k], d_na1, d_in2[k], d_na2   the description of the group's wire
//                       next_pair[2k]                  (code, 1) interleaved: the next description's id
//   layer 1 ff          y (the gate's value), q_op[k] (the operand to fetch), out_na (write NA)
//   layer 2 head        val                            the value of that operand
//   layer 2 ff          out_bit                        the value bit to write
// d_model = 2kp + 10k + 31 = 12L + 49.

import { Basis, uniformLoopedWidths, uniformWidths } from '../../model/index.js';

export function uniformBasis(capacity: number): { basis: Basis; k: number; kp: number } {
  const { idBits: k, posBits: kp } = uniformWidths(capacity);
  const b = new Basis()
    .add('one')
    .add('slot', 4)
    .add('s3')
    .add('pos_bits', kp)
    .add('prev_bits', kp)
    .add('tcode', k)
    .add('t_id')
    .add('t_isval')
    .add('t_val')
    .add('t_na')
    .add('t_tt', 4)
    .add('g_code', k)
    .add('g_tt', 4)
    .add('o1_code', k)
    .add('o1_na')
    .add('o1_val')
    .add('o2_code', k)
    .add('o2_na')
    .add('p_code', k)
    .add('d_tt', 4)
    .add('d_in1', k)
    .add('d_na1')
    .add('d_in2', k)
    .add('d_na2')
    .add('next_pair', 2 * k)
    .add('y')
    .add('q_op', k)
    .add('out_na')
    .add('val')
    .add('out_bit');
  return { basis: b, k, kp };
}

// The residual stream of the uniform LOOPED model (no CoT), capacity N, L = ceil(log2 N), id codes
// of k = L + 1 bits, position labels of kp = L + 3 bits (positions 0..4N, labels up to 4N + 3):
//   position embedding  one, slot[4], s3, pos_bits[kp]            (as in the uniform model)
//   token embedding     tcode[k] (sbin of the token's wire id, sbin(0) for other tokens: NA,
//                       types, <bos>), t_tt[4] (a type token's truth table)
//   prelude heads       o1_code[k], o2_code[k]   the tokens at slots 1, 2 of p's group (p itself
//                                                before them): at an own id, the operand ids
//   prelude ff          val (initial value tt[0]: the gate on (0, 0), a constant's value)
//   block heads         val_a, val_b             the operands' current values (scratch)
//   prelude head        g_tt[4]                  the token at slot 0: the description's type
// The order matters under rounding (compiler/uniform/looped.ts): one first, then val_a and val_b
// before g_tt, so each gate unit adds its ε-carrying terms to a nonzero partial sum.
// d_model = 6 + kp + 3k + 4 + 3 + 4 = 4L + 23.
export function uniformLoopedBasis(capacity: number): { basis: Basis; k: number; kp: number } {
  const { idBits: k, posBits: kp } = uniformLoopedWidths(capacity);
  const b = new Basis()
    .add('one')
    .add('slot', 4)
    .add('s3')
    .add('pos_bits', kp)
    .add('tcode', k)
    .add('t_tt', 4)
    .add('o1_code', k)
    .add('o2_code', k)
    .add('val')
    .add('val_a')
    .add('val_b')
    .add('g_tt', 4);
  return { basis: b, k, kp };
}
