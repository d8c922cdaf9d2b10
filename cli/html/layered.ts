// A layered drawing of a circuit (Sugiyama style), fast enough for ten thousand wires and small
// enough to run in the page too: the generator lays out large circuits with it (ELK takes
// seconds and hundreds of MB there), and the page lays out the part of a circuit it folds to
// (the cone of a gate, a few levels around it) with the very same code: `layered` is
// self-contained (no imports, no outer names) and its compiled source is inlined into the page
// (client/layered.ts, LAYERED_JS).
//
// Each node is given its column (its level). An edge spanning several columns passes through one
// dummy point per column in between, so it runs in a lane instead of across nodes. Nodes and
// lanes are ordered within their columns by barycenter sweeps (the order with the fewest
// crossings seen is kept), then placed vertically near their neighbours with the order and the
// spacing kept (isotonic regression, by pooling adjacent violators), in alternating passes.

export interface LayeredOptions {
  nodeW: number;
  nodeH: number;
  /** Horizontal gap between columns. */
  gapX: number;
  /** Vertical gap between two nodes; a lane takes `lane` pixels. */
  gapY: number;
  lane: number;
  /** Ordering sweeps (each: down then up). */
  sweeps: number;
}

export interface LayeredResult {
  /** Top-left corner of each node: [x0, y0, x1, y1, ...]. */
  xy: number[];
  /** Each edge's route, [x, y, x, y, ...], from the right side of its source to the left side of its target. */
  routes: number[][];
  width: number;
  height: number;
  /** Left x of each column. */
  colX: number[];
  /** Edge crossings between adjacent columns in the order kept. */
  crossings: number;
}

/**
 * Lays out nodes 0..n-1 in columns col[v] (0-based, need not be contiguous) with edges
 * src[e] -> dst[e], col[src[e]] < col[dst[e]]. Nodes start in a column in index order.
 */
export function layered(n: number, col: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>, o: LayeredOptions): LayeredResult {
  let C = 0;
  for (let v = 0; v < n; v++) C = Math.max(C, col[v]! + 1);
  // Items: the nodes, then one dummy per edge and column crossed. up/down: neighbours in the
  // column before and after.
  const itemCol: number[] = [];
  const up: number[][] = [];
  const down: number[][] = [];
  for (let v = 0; v < n; v++) {
    itemCol.push(col[v]!);
    up.push([]);
    down.push([]);
  }
  const chains: number[][] = [];
  for (let e = 0; e < src.length; e++) {
    const s = src[e]!;
    const t = dst[e]!;
    const chain: number[] = [];
    let prev = s;
    for (let c = col[s]! + 1; c < col[t]!; c++) {
      const d = itemCol.length;
      itemCol.push(c);
      up.push([prev]);
      down.push([]);
      down[prev]!.push(d);
      chain.push(d);
      prev = d;
    }
    up[t]!.push(prev);
    down[prev]!.push(t);
    chains.push(chain);
  }
  const N = itemCol.length;
  const cols: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < N; i++) cols[itemCol[i]!]!.push(i);
  const pos = new Float64Array(N);
  const setPos = (): void => {
    for (const list of cols) list.forEach((it, k) => (pos[it] = k));
  };
  setPos();

  // Crossings between columns c and c + 1: inversions of the edges sorted by their upper end.
  const crossingsAt = (c: number): number => {
    const lower = cols[c + 1]!.length;
    if (lower === 0) return 0;
    const tree = new Int32Array(lower + 1);
    let count = 0;
    let seen = 0;
    for (const it of cols[c]!) {
      const ends = down[it]!.map((x) => pos[x]!).sort((a, b) => a - b);
      for (const p of ends) {
        let greater = seen;
        for (let k = p + 1; k > 0; k -= k & -k) greater -= tree[k]!;
        count += greater;
        for (let k = p + 1; k <= lower; k += k & -k) tree[k]!++;
        seen++;
      }
    }
    return count;
  };
  const crossings = (): number => {
    let s = 0;
    for (let c = 0; c + 1 < C; c++) s += crossingsAt(c);
    return s;
  };
  const sortBy = (c: number, nb: number[][], size: number): void => {
    const list = cols[c]!;
    if (size === 0) return;
    const key = new Map<number, number>();
    for (const it of list) {
      const ns = nb[it]!;
      if (ns.length === 0) key.set(it, (pos[it]! + 0.5) / list.length);
      else {
        let s = 0;
        for (const x of ns) s += pos[x]!;
        key.set(it, (s / ns.length + 0.5) / size);
      }
    }
    list.sort((a, b) => key.get(a)! - key.get(b)! || pos[a]! - pos[b]!);
    list.forEach((it, k) => (pos[it] = k));
  };
  let best = crossings();
  let bestCols = cols.map((l) => l.slice());
  for (let s = 0; s < o.sweeps && best > 0; s++) {
    for (let c = 1; c < C; c++) sortBy(c, up, cols[c - 1]!.length);
    for (let c = C - 2; c >= 0; c--) sortBy(c, down, cols[c + 1]!.length);
    const x = crossings();
    if (x < best) {
      best = x;
      bestCols = cols.map((l) => l.slice());
    }
  }
  bestCols.forEach((l, c) => (cols[c] = l));
  setPos();

  // Vertical placement: the top of each item (a lane: its centre line), near the mean of its
  // neighbours' centres, in column order with the gaps kept.
  const y = new Float64Array(N);
  const isNode = (it: number): boolean => it < n;
  const half = (it: number): number => (isNode(it) ? o.nodeH / 2 : 0);
  const gap = (a: number, b: number): number => (isNode(a) ? o.nodeH : 0) + (isNode(a) && isNode(b) ? o.gapY : o.lane);
  for (const list of cols) {
    let at = 0;
    list.forEach((it, k) => {
      if (k > 0) at += gap(list[k - 1]!, it);
      y[it] = at;
    });
  }
  const place = (list: number[], nbs: number[][][]): void => {
    const m = list.length;
    if (m === 0) return;
    // offsets: the least distance of each item below the first, t: desired top minus offset
    const off = new Float64Array(m);
    for (let k = 1; k < m; k++) off[k] = off[k - 1]! + gap(list[k - 1]!, list[k]!);
    const sum: number[] = [];
    const cnt: number[] = [];
    const end: number[] = [];
    for (let k = 0; k < m; k++) {
      const it = list[k]!;
      let s = 0;
      let c = 0;
      for (const nb of nbs) for (const x of nb[it]!) {
        s += y[x]! + half(x);
        c++;
      }
      const want = c > 0 ? s / c - half(it) : y[it]!;
      sum.push(want - off[k]!);
      cnt.push(1);
      end.push(k);
      while (sum.length > 1 && sum[sum.length - 2]! / cnt[cnt.length - 2]! > sum[sum.length - 1]! / cnt[cnt.length - 1]!) {
        sum[sum.length - 2]! += sum.pop()!;
        cnt[cnt.length - 2]! += cnt.pop()!;
        end.splice(end.length - 2, 1);
      }
    }
    let k = 0;
    end.forEach((last, b) => {
      const z = sum[b]! / cnt[b]!;
      for (; k <= last; k++) y[list[k]!] = z + off[k]!;
    });
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let c = 1; c < C; c++) place(cols[c]!, [up]);
    for (let c = C - 2; c >= 0; c--) place(cols[c]!, [down]);
  }
  for (let c = 0; c < C; c++) place(cols[c]!, [up, down]);
  let top = Infinity;
  let bottom = 0;
  for (let it = 0; it < N; it++) {
    top = Math.min(top, y[it]! - half(it));
    bottom = Math.max(bottom, y[it]! + (isNode(it) ? o.nodeH : 0) - half(it));
  }
  if (!Number.isFinite(top)) top = 0;
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  const colX: number[] = [];
  for (let c = 0; c < C; c++) colX.push(c * (o.nodeW + o.gapX));
  const xy: number[] = [];
  for (let v = 0; v < n; v++) xy.push(colX[col[v]!]!, r1(y[v]! - top));
  const routes = chains.map((chain, e) => {
    const s = src[e]!;
    const t = dst[e]!;
    const pts = [xy[2 * s]! + o.nodeW, r1(y[s]! - top + o.nodeH / 2)];
    for (const d of chain) {
      const yd = r1(y[d]! - top);
      pts.push(colX[itemCol[d]!]!, yd, colX[itemCol[d]!]! + o.nodeW, yd);
    }
    pts.push(xy[2 * t]!, r1(y[t]! - top + o.nodeH / 2));
    return pts;
  });
  return { xy, routes, width: C > 0 ? colX[C - 1]! + o.nodeW : 0, height: Math.ceil(bottom - top), colX, crossings: best };
}
