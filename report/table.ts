// Markdown tables of the scaling reports: right-aligned columns, numbers shortened.

/** A non-integer in fixed point with at most `decimals` digits (1 digit from 100 on, exponent below 1e-3). */
export function numberCell(v: number, decimals: number): string {
  if (Number.isInteger(v)) return String(v);
  return v < 1e-3 ? v.toExponential(2) : v.toFixed(v >= 100 ? 1 : decimals).replace(/0+$/, '').replace(/\.$/, '');
}

/** A markdown table, every column as wide as its widest cell, cells right-aligned. */
export function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
