// Input/output groups for formats that only name single bits (AIGER, .bench, BLIF).
// When no name has the form base[i], all bits form one group (`in` for inputs, `out` for
// outputs). Otherwise each run base[0], base[1], ..., base[w-1] becomes group `base` of width
// w, and every other name becomes a group of width 1 under its own name. Anything that would
// give two groups one name (a run that restarts, a repeated name) falls back to one group.

export interface NamedGroup {
  name: string;
  bitNames: string[];
}

const BRACKET = /^(.+)\[(\d+)\]$/;

export function groupBitNames(names: string[], fallback: string): NamedGroup[] {
  if (names.length === 0) return [];
  const one = [{ name: fallback, bitNames: names }];
  if (!names.some((n) => BRACKET.test(n))) return one;
  const groups: NamedGroup[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const m = BRACKET.exec(n);
    const last = groups[groups.length - 1];
    if (m) {
      const base = m[1]!;
      const idx = Number(m[2]);
      if (last && last.name === base && idx === last.bitNames.length && BRACKET.test(last.bitNames[0]!)) {
        last.bitNames.push(n);
        continue;
      }
      if (idx !== 0 || seen.has(base)) return one;
      groups.push({ name: base, bitNames: [n] });
      seen.add(base);
    } else {
      if (seen.has(n)) return one;
      groups.push({ name: n, bitNames: [n] });
      seen.add(n);
    }
  }
  return groups;
}
