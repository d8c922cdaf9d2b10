// Writes a circuit in the .gc language. parseGc reads the text back to the same function, the
// same groups and the same gates in the same order: one statement per gate, in topological
// order, then aliases for output bits that are not named after their own gate.
//
// Names: input bits are `a[3]` (`a` for 1-bit groups); a gate keeps its source name when that
// is a usable name, else takes the name of the first output bit it drives, else `g<k>` (k = its
// gate index). Group names that are not identifiers are sanitized deterministically.

import { Op, type Circuit, type OpCode } from '../ir.js';
import { GC_KEYWORDS, isGcIdent } from '../parsers/gc-grammar.js';

/** `name` made into an identifier: invalid characters become '_', a bad first character gets a '_' prefix. */
function sanitize(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_$.]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (GC_KEYWORDS.includes(s)) s = `${s}_`;
  return s;
}

/**
 * Unique identifiers for the group names, inputs then outputs. Valid names are kept (the first
 * of duplicates wins) before others are sanitized, so that a sanitized name never takes the
 * place of a valid one; clashes get `_2`, `_3`, ... suffixes.
 */
function groupIdents(names: string[]): string[] {
  const used = new Set<string>();
  const out: (string | undefined)[] = names.map((n) => {
    if (!isGcIdent(n) || used.has(n)) return undefined;
    used.add(n);
    return n;
  });
  return out.map((n, i) => {
    if (n !== undefined) return n;
    const base = sanitize(names[i]!);
    let s = base;
    for (let k = 2; used.has(s); k++) s = `${base}_${k}`;
    used.add(s);
    return s;
  });
}

/** A net name the parser accepts as an ordinary wire: an identifier, maybe with a decimal index
 * (at most 9 digits: the reader refuses very long decimal numbers). */
const NET_NAME = /^([A-Za-z_][A-Za-z0-9_$.]*)(\[(0|[1-9][0-9]{0,8})\])?$/;

function bitName(group: string, width: number, i: number): string {
  return width === 1 ? group : `${group}[${i}]`;
}

/** JSON string syntax is the .gc string syntax. */
function circuitName(name: string): string {
  return isGcIdent(name) ? name : JSON.stringify(name);
}

/** Names of all wires: inputs by group, gates by source name, output bit or index. */
function wireNames(c: Circuit, inIds: string[], outIds: string[]): string[] {
  const n = c.nInputs;
  const T = c.ops.length;
  const names: string[] = new Array<string>(n + T);
  const groupSet = new Set([...inIds, ...outIds]);
  let w = 0;
  c.inputs.forEach((g, gi) => {
    for (let i = 0; i < g.width; i++) names[w++] = bitName(inIds[gi]!, g.width, i);
  });
  // Generated names g<k> must not be the bare name of a group: lengthen the prefix if needed.
  // (The prefix is 'g' and underscores: nothing to escape in the pattern.)
  let prefix = 'g';
  while ([...groupSet].some((s) => new RegExp(`^${prefix}[0-9]+$`).test(s))) prefix += '_';
  const generated = new RegExp(`^${prefix}[0-9]+$`);
  const used = new Set<string>();
  const src = c.wireNames;
  // Output bit that names each gate with no usable source name: the first bit driven by it.
  const outName = new Map<number, string>();
  c.outputs.forEach((g, gi) => {
    g.wires.forEach((wire, i) => {
      if (wire >= n && !outName.has(wire)) outName.set(wire, bitName(outIds[gi]!, g.wires.length, i));
    });
  });
  for (let k = 0; k < T; k++) {
    const wire = n + k;
    const s = src?.[wire];
    const m = s === undefined ? null : NET_NAME.exec(s);
    // A source name is usable when it is not reserved, names no group bit, cannot be mistaken
    // for another gate's generated name and is not taken yet.
    if (s !== undefined && m && !GC_KEYWORDS.includes(m[1]!) && !groupSet.has(m[1]!) && (!generated.test(s) || s === `${prefix}${k}`) && !used.has(s)) {
      names[wire] = s;
    } else {
      names[wire] = outName.get(wire) ?? `${prefix}${k}`;
    }
    used.add(names[wire]!);
  }
  return names;
}

function gateLine(name: string, op: OpCode, x: string, y: string): string {
  switch (op) {
    case Op.AND: return `${name} = ${x} & ${y};`;
    case Op.OR: return `${name} = ${x} | ${y};`;
    case Op.XOR: return `${name} = ${x} ^ ${y};`;
    case Op.NAND: return `${name} = NAND(${x}, ${y});`;
    case Op.NOR: return `${name} = NOR(${x}, ${y});`;
    case Op.XNOR: return `${name} = XNOR(${x}, ${y});`;
    case Op.NOT: return `${name} = NOT(${x});`;
    case Op.BUF: return `${name} = BUF(${x});`;
    case Op.CONST0: return `${name} = 0;`;
    case Op.CONST1: return `${name} = 1;`;
  }
}

function declaration(kind: 'input' | 'output', ids: string[], widths: number[]): string[] {
  if (ids.length === 0) return [];
  return [`${kind} ${ids.map((id, i) => (widths[i] === 1 ? id : `${id}[${widths[i]}]`)).join(', ')};`];
}

export function writeGc(c: Circuit): string {
  const n = c.nInputs;
  const ids = groupIdents([...c.inputs.map((g) => g.name), ...c.outputs.map((g) => g.name)]);
  const inIds = ids.slice(0, c.inputs.length);
  const outIds = ids.slice(c.inputs.length);
  const names = wireNames(c, inIds, outIds);
  const lines: string[] = [
    `circuit ${circuitName(c.name)};`,
    ...declaration('input', inIds, c.inputs.map((g) => g.width)),
    ...declaration('output', outIds, c.outputs.map((g) => g.wires.length)),
  ];
  const T = c.ops.length;
  for (let k = 0; k < T; k++) {
    const a = c.a[k]!;
    const b = c.b[k]!;
    lines.push(gateLine(names[n + k]!, c.ops[k] as OpCode, a >= 0 ? names[a]! : '', b >= 0 ? names[b]! : ''));
  }
  c.outputs.forEach((g, gi) => {
    g.wires.forEach((wire, i) => {
      const bit = bitName(outIds[gi]!, g.wires.length, i);
      if (names[wire] !== bit) lines.push(`${bit} = ${names[wire]};`);
    });
  });
  const idOf = (groups: { name: string }[], groupIds: string[]): Map<string, string> => {
    const m = new Map<string, string>();
    groups.forEach((g, i) => {
      if (!m.has(g.name)) m.set(g.name, groupIds[i]!);
    });
    return m;
  };
  const inId = idOf(c.inputs, inIds);
  const outId = idOf(c.outputs, outIds);
  const pairs = (rec: Record<string, bigint>, m: Map<string, string>): string =>
    Object.entries(rec)
      .filter(([k]) => m.has(k))
      .map(([k, v]) => ` ${m.get(k)}=0x${v.toString(16)}`)
      .join('');
  for (const t of c.tests ?? []) lines.push(`test${pairs(t.inputs, inId)} ->${pairs(t.expect, outId)};`);
  lines.push('');
  return lines.join('\n');
}
