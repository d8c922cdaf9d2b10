// The tables and plots of `gatecot experiment` (proofs/experiment.ts): a markdown report (accuracy
// and resources per cell), and per family two SVG plots: accuracy against n, and the tokens,
// loops and layers each construction needs against n.

import { BUDGET_LABEL, FAMILIES, runKeys, type ExperimentCell, type ExperimentResult } from './experiment.js';
import { linePlot, type Series } from './svg.js';
import { markdownTable, numberCell } from './table.js';

function runTitle(key: string): string {
  if (key.startsWith('budget_')) return `no CoT, ${key.slice(7)} loops`;
  return { gate_cot: 'gate CoT (T tokens)', looped_D: 'looped, D loops', looped_cot: 'looped-cot (T loops)' }[key] ?? key;
}

const pct = (x: number) => `${numberCell(100 * x, 1)}%`;

function depthCell(c: ExperimentCell): string {
  return c.trial_kind === 'instances' ? `${numberCell(c.depth_mean, 1)} (${c.depth_min}..${c.depth})` : String(c.depth);
}

function trialsCell(c: ExperimentCell): string {
  return c.trial_kind === 'instances' ? `${c.trials} instances` : c.trial_kind === 'all inputs' ? `all ${c.trials} inputs` : `${c.trials} random inputs`;
}

export function accuracyTable(r: ExperimentResult): string {
  const keys = runKeys(r.config.budgets);
  return markdownTable(
    ['family', 'n', 'T', 'D', 'settled after (max / mean)', 'trials', ...keys.map(runTitle)],
    r.cells.map((c) => [c.family, String(c.n), String(c.gates), depthCell(c), `${c.settle_max} / ${numberCell(c.settle_mean, 1)}`, trialsCell(c), ...keys.map((k) => pct(c.accuracy[k]!))]),
  );
}

export function resourceTable(r: ExperimentResult): string {
  return markdownTable(
    ['family', 'n', 'circuit', 'gate CoT tokens', '4tok CoT tokens', 'looped loops', 'looped-cot loops', 'deep layers', 'seconds'],
    r.cells.map((c) => [c.family, String(c.n), c.circuit, String(c.cot_tokens_gate), String(c.cot_tokens_4tok), String(c.loops_looped), String(c.loops_looped_cot), String(c.layers_deep), numberCell(c.seconds, 1)]),
  );
}

/** The names of the SVG files for a list of families. */
export function plotNames(families: string[]): string[] {
  return families.flatMap((f) => [`accuracy-${f}.svg`, `resources-${f}.svg`]);
}

const minutes = (s: number) => `${numberCell(s, 1)} s (${numberCell(s / 60, 2)} min)`;

export function experimentMarkdown(r: ExperimentResult, o: { command: string; shards?: number; jobs?: number }): string {
  const cfg = r.config;
  const load = `load average ${numberCell(r.load_average, 1)} at the start, on ${r.machine || 'this machine'}`;
  const time =
    o.jobs !== undefined
      ? `The whole run took ${minutes(r.seconds)} wall time in ${o.jobs} processes at once, ${minutes(r.cpu_seconds)} CPU time in all (${load}).`
      : o.shards !== undefined
      ? `Merged from ${o.shards} shards; their run times add up to ${minutes(r.seconds)} wall time, ${minutes(r.cpu_seconds)} CPU time (highest ${load}).`
      : `${r.shard ? `Shard ${r.shard.index}/${r.shard.count} (${r.cells.length} of ${r.cells_total} cells)` : 'The whole run'} took ${minutes(r.seconds)} wall time in one process, ${minutes(r.cpu_seconds)} CPU time (${load}).`;
  const cvp = cfg.families.includes('cvp') ? ` cvp has no inputs: its trials are ${cfg.inputs} instances per n (\`gen cvp-instance --gates n --seed ${cfg.seed}+i\`, i = 0..${cfg.inputs - 1}); D is their mean (min..max), and the resource columns show the most any instance needed.` : '';
  return [
    '# gatecot experiment: depth budget against chain of thought',
    '',
    `\`${o.command}\``,
    '',
    `Accuracy = the fraction of trials whose outputs are ALL right, each answer the model's own (CPU reference, f32), checked against direct evaluation. Trials: ${cfg.inputs} per cell, random input vectors (all-zeros, all-ones, then random, seed ${cfg.seed}), or all 2^n inputs when there are no more than that.${cvp} T = gates, D = depth of the circuit.`,
    '',
    `"no CoT, B loops": ${BUDGET_LABEL}. "settled after": the looped model run with \`--loops auto\`, the iterations after which its residual stopped changing (most and mean over the trials): D bounds it, but on most inputs the deepest paths settle sooner (a carry that does not ripple), which is why a budget below D can still be right on many inputs. "gate CoT": the constant-depth model of LLZM24 Thm 3.3 (one layer, two heads) writing one CoT token per gate. "looped, D loops": one stored layer applied D times (latent thoughts in parallel). "looped-cot": the same block and one loop per gate (T loops), the latent counterpart of the CoT. The expected shape: the fixed budgets fall once D passes them; the other three stay at 100%. A budget below D does not fall to 0: an output bit whose value has not arrived can still be right by chance (cvp has ONE output bit), and many inputs settle sooner than D.`,
    '',
    time,
    '',
    '## Accuracy',
    '',
    accuracyTable(r),
    '## What each construction needs',
    '',
    'Read from the compiled models: CoT tokens (the gate CoT writes T, the 4-token CoT 4T), loops (looped: its own count, = D; looped-cot: T) and the stored layers of the deep model (= D). The CoT models have one layer at every size.',
    '',
    resourceTable(r),
    `Plots: ${plotNames(cfg.families).map((n) => `[${n}](${n})`).join(', ')}.`,
    '',
  ].join('\n');
}

/** Per family: accuracy-<f>.svg and resources-<f>.svg. */
export function experimentPlots(r: ExperimentResult): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = runKeys(r.config.budgets);
  for (const f of r.config.families) {
    const cells = r.cells.filter((c) => c.family === f);
    if (cells.length === 0) continue;
    const ns = cells.map((c) => c.n);
    const logX = ns.every((n) => n >= 1 && Number.isInteger(Math.log2(n))) && Math.max(...ns) / Math.min(...ns) >= 8;
    const pts = (g: (c: ExperimentCell) => number): [number, number][] => cells.map((c) => [c.n, g(c)]);
    const xLabel = `n: ${FAMILIES[f]!.knob}`;
    const accuracy: Series[] = keys.map((k) => ({ name: runTitle(k), points: pts((c) => 100 * c.accuracy[k]!), dashed: !k.startsWith('budget_') }));
    out[`accuracy-${f}.svg`] = linePlot({ title: `${f}: accuracy against n`, xLabel, yLabel: '% of trials with all outputs right', series: accuracy, logX, yMin: 0 });
    out[`resources-${f}.svg`] = linePlot({
      title: `${f}: tokens, loops and layers needed`,
      xLabel,
      yLabel: 'count',
      logX,
      series: [
        { name: 'gate CoT tokens (T)', points: pts((c) => c.cot_tokens_gate) },
        { name: '4tok CoT tokens (4T)', points: pts((c) => c.cot_tokens_4tok) },
        { name: 'looped-cot loops (T)', points: pts((c) => c.loops_looped_cot), dashed: true },
        { name: 'looped loops (D)', points: pts((c) => c.loops_looped) },
        { name: 'deep layers (D)', points: pts((c) => c.layers_deep), dashed: true },
      ],
    });
  }
  return out;
}
