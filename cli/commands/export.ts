// gatecot export MODEL --to transformerlens -o DIR: the model in another tool's layout, with the
// ground-truth circuit_map.json beside it (model/export).

import { join } from 'node:path';
import type { Command } from 'commander';
import { circuitMap, transformerLensExport, transformerLensReadme } from '../../model/export/index.js';
import { modelFromBytes, type Model } from '../../model/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { loadCircuit, prepareOutputDir, writeOutput } from '../files.js';
import { isModelFile, parseLoops, readBytes } from '../load.js';
import { printJson } from './json.js';

export interface ExportFlags {
  to?: string;
  output: string;
  force?: boolean;
  circuit?: string;
  format?: string;
  top?: string;
  loops?: string;
  json?: boolean;
}

export const EXPORT_TARGETS = ['transformerlens'] as const;

function readModel(path: string): Model {
  const bytes = readBytes(path);
  if (!isModelFile(path, bytes)) throw new UsageError(`${path} is not a gatecot model file: compile it first (gatecot compile ${path} -o model.safetensors)`);
  return modelFromBytes(bytes, path);
}

/** --loops K for an unrolled export ('auto' has no meaning without running the model). */
function exportLoops(s: string | undefined): number | undefined {
  const l = parseLoops(s);
  if (l === 'auto') throw new UsageError('--loops auto runs the model until it settles; an export needs a number of loops (--loops K)');
  return l;
}

export const TL_FILES = ['config.json', 'state_dict.safetensors', 'circuit_map.json', 'README.md'];

/** gatecot export MODEL --to transformerlens -o DIR: config.json, state_dict.safetensors, circuit_map.json, README.md. */
export function exportTransformerLens(ctx: CliContext, path: string, o: ExportFlags): void {
  const model = readModel(path);
  const meta = model.meta;
  if (meta.mode === 'uniform' && o.circuit === undefined) {
    throw new UsageError(`${path} is a uniform model: its circuit_map.json depends on the circuit in its prompt; give one with --circuit FILE (at most ${meta.capacity} wires)`);
  }
  if (meta.mode === 'positional' && o.circuit !== undefined) throw new UsageError(`--circuit goes with a uniform model; ${path} is positional (its circuit is in its weights)`);
  const circuit = o.circuit !== undefined ? loadCircuit(o.circuit, o) : undefined;
  const given = exportLoops(o.loops);
  const loops = meta.loop ? given ?? meta.loop.count : given;
  const map = circuitMap(model, { ...(circuit ? { circuit } : {}), ...(loops !== undefined ? { loops } : {}) });
  const name = meta.mode === 'uniform' ? `gatecot-uniform-${meta.capacity}` : `gatecot-${meta.circuit_name}`;
  const x = transformerLensExport(model, { name, ...(loops !== undefined ? { loops } : {}) });
  prepareOutputDir(o.output, TL_FILES, Boolean(o.force));
  const force = Boolean(o.force);
  writeOutput(join(o.output, 'config.json'), `${JSON.stringify(x.config, null, 2)}\n`, force);
  writeOutput(join(o.output, 'state_dict.safetensors'), x.stateDict, force);
  writeOutput(join(o.output, 'circuit_map.json'), `${JSON.stringify(map)}\n`, force);
  writeOutput(join(o.output, 'README.md'), transformerLensReadme(x, model), force);
  const c = x.config;
  const unrolled = x.notes.loops !== null ? ` (the looped block unrolled ${x.notes.loops} times)` : '';
  if (o.json) {
    printJson(ctx, { to: 'transformerlens', path: o.output, files: TL_FILES, config: c, applied_layers: x.notes.applied_layers, loops: x.notes.loops, wires_mapped: map.wires.length, bytes: x.stateDict.length });
    return;
  }
  ctx.io.out(`wrote ${o.output}: TransformerLens config and state dict, ${c.n_layers} layers${unrolled} x ${c.n_heads} heads (d_head ${c.d_head}), d_model ${c.d_model}, d_mlp ${c.d_mlp}, vocab ${c.d_vocab}, n_ctx ${c.n_ctx}; circuit_map.json (${map.wires.length} wires); README.md\n`);
}

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('write a compiled model in another tool\'s layout (--to transformerlens: a folder), with circuit_map.json, the ground truth of which heads and positions compute each gate')
    .argument('<model>', 'compiled model file (.safetensors)')
    .option('--to <target>', `what to write: ${EXPORT_TARGETS.join(', ')}`)
    .requiredOption('-o, --output <path>', 'where to write (transformerlens: a folder, created if new)')
    .option('--force', 'overwrite existing files')
    .option('--circuit <file>', 'a uniform model: the circuit whose circuit_map.json to write')
    .option('--format <fmt>', 'format of --circuit (default: from the extension or the content)')
    .option('--top <module>', 'Verilog: the module of --circuit to read')
    .option('--loops <K>', 'a looped model: unroll its block K times (default: the model\'s own count)')
    .option('--json', 'print one JSON object')
    .action((model: string, o: ExportFlags) => {
      if (o.to === 'transformerlens') return exportTransformerLens(ctx, model, o);
      throw new UsageError(o.to === undefined ? `export needs --to (${EXPORT_TARGETS.join(', ')})` : `unknown --to '${o.to}' (expected ${EXPORT_TARGETS.join(', ')})`);
    });
}
