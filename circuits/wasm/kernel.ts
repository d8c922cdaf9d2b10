// The bit-sliced evaluator's WebAssembly kernel, written as bytes (circuits/wasm/bytes.ts).
//
// Each wire holds K v128 words (128·K input vectors, 16·K bytes) in a slot of linear memory.
// run<K>(p, pend, d) interprets a gate program once: the program is a list of runs, each a
// header word (op | count << 4) followed by count gates of two words, the byte addresses of the
// gate's operands (for NOT/BUF/constants any valid address). Gate outputs go one after another
// from address d, in program order. Within a run the op is fixed: no dispatch per gate.
//
// rows(src, srcStride, dst, dstStride, n, bytes) and gather(list, dst, dstStride, n, bytes) copy
// rows of bytes (a multiple of 4) into and out of the wire slots; gather reads row j from the
// address in word j of list.

import { ins, moduleBytes, type FuncDef } from './bytes.js';
import { Op, type OpCode } from '../ir.js';

const N_OPS = 10;

/** The K values the module has a run function for (16·K bytes per wire slot). */
export const KERNEL_K = [1, 2, 4, 8] as const;
export type KernelK = (typeof KERNEL_K)[number];

/** One gate on K v128 words at D from operands at X, Y: d[k] = op(x[k], y[k]). */
function gateBody(op: OpCode, K: number, D: number, X: number, Y: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    const o = 16 * k;
    const lx = [...ins.get(X), ...ins.v128Load(o)];
    const ly = [...ins.get(Y), ...ins.v128Load(o)];
    out.push(...ins.get(D));
    switch (op) {
      case Op.AND: out.push(...lx, ...ly, ...ins.v128And()); break;
      case Op.OR: out.push(...lx, ...ly, ...ins.v128Or()); break;
      case Op.XOR: out.push(...lx, ...ly, ...ins.v128Xor()); break;
      case Op.NAND: out.push(...lx, ...ly, ...ins.v128And(), ...ins.v128Not()); break;
      case Op.NOR: out.push(...lx, ...ly, ...ins.v128Or(), ...ins.v128Not()); break;
      case Op.XNOR: out.push(...lx, ...ly, ...ins.v128Xor(), ...ins.v128Not()); break;
      case Op.NOT: out.push(...lx, ...ins.v128Not()); break;
      case Op.BUF: out.push(...lx); break;
      case Op.CONST0: out.push(...ins.v128Const(0)); break;
      case Op.CONST1: out.push(...ins.v128Const(0xff)); break;
    }
    out.push(...ins.v128Store(o));
  }
  return out;
}

/** run<K>: locals p, pend, d (parameters), then x, y, count, header. */
function runFunction(K: number): FuncDef {
  const [P, PEND, D, X, Y, CNT, HDR] = [0, 1, 2, 3, 4, 5, 6];
  const add = (local: number, v: number): number[] => [...ins.get(local), ...ins.i32Const(v), ...ins.i32Add(), ...ins.set(local)];
  const gateLoop = (op: OpCode): number[] => [
    ...ins.loop(),
    ...ins.get(P), ...ins.i32Load(0), ...ins.set(X),
    ...ins.get(P), ...ins.i32Load(4), ...ins.set(Y),
    ...gateBody(op, K, D, X, Y),
    ...add(P, 8),
    ...add(D, 16 * K),
    ...ins.get(CNT), ...ins.i32Const(1), ...ins.i32Sub(), ...ins.tee(CNT),
    ...ins.brIf(0),
    ...ins.end(),
  ];
  const body: number[] = [
    ...ins.block(), // $exit
    ...ins.loop(), // $runs
    ...ins.get(P), ...ins.get(PEND), ...ins.i32GeU(), ...ins.brIf(1),
    ...ins.get(P), ...ins.i32Load(0), ...ins.tee(HDR), ...ins.i32Const(4), ...ins.i32ShrU(), ...ins.set(CNT),
    ...add(P, 4),
    ...ins.block(), // $next
  ];
  // One block per op; br_table jumps to the end of block i, where op i's loop is.
  for (let i = 0; i < N_OPS; i++) body.push(...ins.block());
  body.push(...ins.get(HDR), ...ins.i32Const(15), ...ins.i32And());
  body.push(...ins.brTable(Array.from({ length: N_OPS }, (_, i) => i), N_OPS - 1));
  for (let i = 0; i < N_OPS; i++) {
    body.push(...ins.end(), ...gateLoop(i as OpCode));
    if (i < N_OPS - 1) body.push(...ins.br(N_OPS - 1 - i)); // to the end of $next
  }
  body.push(...ins.end(), ...ins.br(0), ...ins.end(), ...ins.end());
  return { name: `run${K}`, params: 3, locals: 4, body };
}

/** Copies `bytes` (a multiple of 4) from local S to local D: v128 while 16 remain, then i32. */
function copyBytes(S: number, D: number, BYTES: number, I: number): number[] {
  const step = (size: 16 | 4): number[] => [
    ...ins.block(),
    ...ins.loop(),
    ...ins.get(I), ...ins.i32Const(size), ...ins.i32Add(), ...ins.get(BYTES), ...ins.i32GtU(), ...ins.brIf(1),
    ...ins.get(D), ...ins.get(I), ...ins.i32Add(),
    ...ins.get(S), ...ins.get(I), ...ins.i32Add(),
    ...(size === 16 ? [...ins.v128Load(0), ...ins.v128Store(0)] : [...ins.i32Load(0), ...ins.i32Store(0)]),
    ...ins.get(I), ...ins.i32Const(size), ...ins.i32Add(), ...ins.set(I),
    ...ins.br(0),
    ...ins.end(),
    ...ins.end(),
  ];
  return [...ins.i32Const(0), ...ins.set(I), ...step(16), ...step(4)];
}

/** A loop over rows j < n: `rowStart` sets the row's source (local RS) and destination (RD). */
function rowLoop(N: number, J: number, rowStart: number[], copy: number[]): number[] {
  return [
    ...ins.i32Const(0), ...ins.set(J),
    ...ins.block(),
    ...ins.loop(),
    ...ins.get(J), ...ins.get(N), ...ins.i32GeU(), ...ins.brIf(1),
    ...rowStart,
    ...copy,
    ...ins.get(J), ...ins.i32Const(1), ...ins.i32Add(), ...ins.set(J),
    ...ins.br(0),
    ...ins.end(),
    ...ins.end(),
  ];
}

/** rows(src, srcStride, dst, dstStride, n, bytes); locals j, rs, rd, i. */
function rowsFunction(): FuncDef {
  const [SRC, SS, DST, DS, N, BYTES, J, RS, RD, I] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const start = [
    ...ins.get(SRC), ...ins.get(J), ...ins.get(SS), ...ins.i32Mul(), ...ins.i32Add(), ...ins.set(RS),
    ...ins.get(DST), ...ins.get(J), ...ins.get(DS), ...ins.i32Mul(), ...ins.i32Add(), ...ins.set(RD),
  ];
  return { name: 'rows', params: 6, locals: 4, body: rowLoop(N, J, start, copyBytes(RS, RD, BYTES, I)) };
}

/** gather(list, dst, dstStride, n, bytes); locals j, rs, rd, i. */
function gatherFunction(): FuncDef {
  const [LIST, DST, DS, N, BYTES, J, RS, RD, I] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const start = [
    ...ins.get(LIST), ...ins.get(J), ...ins.i32Const(2), ...ins.i32Shl(), ...ins.i32Add(), ...ins.i32Load(0), ...ins.set(RS),
    ...ins.get(DST), ...ins.get(J), ...ins.get(DS), ...ins.i32Mul(), ...ins.i32Add(), ...ins.set(RD),
  ];
  return { name: 'gather', params: 5, locals: 4, body: rowLoop(N, J, start, copyBytes(RS, RD, BYTES, I)) };
}

/** The kernel module's bytes. */
export function kernelBytes(): Uint8Array {
  return moduleBytes([...KERNEL_K.map(runFunction), rowsFunction(), gatherFunction()]);
}
