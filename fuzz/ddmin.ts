// Delta debugging (Zeller & Hildebrandt's ddmin, complement steps): removes chunks of a set of
// n items while a test still accepts what is left, halving the chunks when none can go.
// O(n log n) tests when single items must go one by one, far fewer when big chunks can go.

/**
 * `test(keep)` builds the candidate that keeps the items where keep[i] and returns true when it
 * still fails (the caller then adopts it). Returns the final keep mask.
 */
export async function ddmin(n: number, test: (keep: boolean[]) => Promise<boolean>): Promise<boolean[]> {
  let keep = new Array<boolean>(n).fill(true);
  let parts = 2;
  for (;;) {
    const idx: number[] = [];
    keep.forEach((k, i) => k && idx.push(i));
    if (idx.length === 0) return keep;
    parts = Math.min(parts, idx.length);
    const size = Math.ceil(idx.length / parts);
    let removed = false;
    for (let s = 0; s < idx.length && !removed; s += size) {
      const cand = keep.slice();
      for (const j of idx.slice(s, s + size)) cand[j] = false;
      if (await test(cand)) {
        keep = cand;
        removed = true;
      }
    }
    if (removed) parts = Math.max(parts - 1, 2);
    else if (parts >= idx.length) return keep;
    else parts = Math.min(parts * 2, idx.length);
  }
}
