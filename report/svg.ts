// A small line-plot writer (SVG), enough for the scaling plots: linear or log2 x axis, several
// series with markers, axis ticks and labels, a legend.

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  yMin?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function ticks(lo: number, hi: number, n = 6): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Number(t.toPrecision(10)));
  return out;
}

export function linePlot(p: PlotSpec): string {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 170, t: 40, b: 55 };
  const fx = (x: number) => (p.logX ? Math.log2(x) : x);
  const all = p.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => fx(x));
  const ys = all.map(([, y]) => y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = p.yMin ?? Math.min(0, ...ys);
  const y1 = Math.max(...ys) * 1.08 || 1;
  const px = (x: number) => m.l + ((fx(x) - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15">${esc(p.title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
  ];
  // A log axis ticks whole powers of two only (a short range would otherwise round 2^0.5 to 2^1).
  const xt = p.logX ? ticks(x0, x1).filter(Number.isInteger).map((t) => 2 ** t) : ticks(x0, x1);
  for (const t of xt) {
    const label = p.logX ? `2^${Math.round(Math.log2(t))}` : String(t);
    out.push(`<line x1="${px(t)}" y1="${H - m.b}" x2="${px(t)}" y2="${H - m.b + 5}" stroke="black"/><text x="${px(t)}" y="${H - m.b + 18}" text-anchor="middle">${label}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${m.l - 5}" y1="${py(t)}" x2="${m.l}" y2="${py(t)}" stroke="black"/><text x="${m.l - 8}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
    out.push(`<line x1="${m.l}" y1="${py(t)}" x2="${W - m.r}" y2="${py(t)}" stroke="#eee"/>`);
  }
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${c}"/>`);
    const ly = m.t + 10 + i * 20;
    out.push(`<line x1="${W - m.r + 15}" y1="${ly}" x2="${W - m.r + 40}" y2="${ly}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${W - m.r + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
