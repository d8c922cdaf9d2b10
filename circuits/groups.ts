// Input/output groups for formats that only name single bits (AIGER, .bench, BLIF).
// A run of names base[0], base[1], ..., base[w-1] becomes group `base` of width w when every
// name fits that pattern; otherwise all bits form one group (`in` for inputs, `out` for outputs).

export interface NamedGroup {
  name: string;
  bitNames: string[];
}

const BRACKET = /^(.*)\[(\d+)\]$/;

export function groupBitNames(names: string[], fallback: string): NamedGroup[] {
  if (names.length === 0) return [];
  const groups: NamedGroup[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const m = BRACKET.exec(n);
    if (!m || m[1] === '') return [{ name: fallback, bitNames: names }];
    const base = m[1]!;
    const idx = Number(m[2]);
    const last = groups[groups.length - 1];
    if (last && last.name === base && idx === last.bitNames.length) {
      last.bitNames.push(n);
    } else if (idx === 0 && !seen.has(base)) {
      groups.push({ name: base, bitNames: [n] });
      seen.add(base);
    } else {
      return [{ name: fallback, bitNames: names }];
    }
  }
  return groups;
}
