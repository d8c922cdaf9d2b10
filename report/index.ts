// Public surface of report/: what gatecot measures and draws for a reader, built on the proofs and
// the runtime: scaling across sizes and capacities, compare (every construction of one circuit),
// the experiment (depth budget against chain of thought), and the Markdown tables and SVG plots.

export { runScaling, scalingPlots, scalingTable, SIZE_OPTION } from './scaling.js';
export { DEFAULT_VERIFY_MAX, UNIFORM_FAMILIES, uniformScalingNotes, uniformScalingPlots, uniformScalingTable } from './scaling-uniform.js';
export { linePlot } from './svg.js';
export type { Series } from './svg.js';
export { markdownTable, numberCell } from './table.js';
