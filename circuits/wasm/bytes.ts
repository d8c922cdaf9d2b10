// A minimal WebAssembly binary writer: LEB128 numbers, sections, and the few instructions the
// bit-sliced evaluator's kernel uses (no toolchain is needed; the bytes are written here).

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A vector: its length, then its items. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A name as a vector of UTF-8 bytes (ASCII names only here). */
export function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Instructions (opcode bytes with their immediates). */
export const ins = {
  block: (): number[] => [0x02, 0x40],
  loop: (): number[] => [0x03, 0x40],
  end: (): number[] => [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  brTable: (targets: number[], dflt: number): number[] => [0x0e, ...vec(targets.map(uleb)), ...uleb(dflt)],
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Load: (offset: number): number[] => [0x28, 2, ...uleb(offset)],
  i32Store: (offset: number): number[] => [0x36, 2, ...uleb(offset)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i32Add: (): number[] => [0x6a],
  i32Sub: (): number[] => [0x6b],
  i32Mul: (): number[] => [0x6c],
  i32And: (): number[] => [0x71],
  i32Shl: (): number[] => [0x74],
  i32ShrU: (): number[] => [0x76],
  i32GtU: (): number[] => [0x4b],
  i32GeU: (): number[] => [0x4f],
  v128Load: (offset: number): number[] => [0xfd, 0x00, 4, ...uleb(offset)],
  v128Store: (offset: number): number[] => [0xfd, 0x0b, 4, ...uleb(offset)],
  v128Const: (byte: number): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(byte)],
  v128Not: (): number[] => [0xfd, 0x4d],
  v128And: (): number[] => [0xfd, 0x4e],
  v128Or: (): number[] => [0xfd, 0x50],
  v128Xor: (): number[] => [0xfd, 0x51],
};

export interface FuncDef {
  name: string;
  params: number;
  /** Extra i32 locals after the parameters. */
  locals: number;
  body: number[];
}

/**
 * A module that imports its memory as env.mem and exports functions whose parameters are all
 * i32 and that return nothing.
 */
export function moduleBytes(funcs: FuncDef[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(new Array<number[]>(f.params).fill([I32])), 0]);
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]]);
  const code = funcs.map((f) => {
    const locals = f.locals > 0 ? vec([[...uleb(f.locals), I32]]) : vec([]);
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}
