// gatecot export MODEL: the model in another tool's format (model/export).
//   --to onnx (default)   -o FILE.onnx: a standard ONNX graph any ONNX runtime runs, the sequence
//                         contract in its metadata_props; --external-data puts the weights in
//                         FILE.onnx.data beside it (needed above protobuf's 2 GB limit); the
//                         ground-truth FILE.circuit_map.json beside it
//   --to transformerlens  -o DIR: the TransformerLens layout, with the ground-truth
//                         circuit_map.json beside it
// MODEL is a model file (.safetensors, .onnx), or a circuit file compiled here (--mode, --cot).

import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { parseCircuitBytes } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import { compile } from '../../compiler/index.js';
import { circuitMap, transformerLensExport, transformerLensReadme } from '../../model/export/index.js';
import { DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, ONNX_IO, OnnxSizeError, type Model } from '../../model/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { checkOutput, loadCircuit, parseOptionsOf, prepareOutputDir, writeOutput } from '../files.js';
import { compileOptionsOf, isModelFile, parseLoops, readBytes, readModel, type CompileFlags } from '../load.js';
import { modelJson, printJson } from './json.js';
import { modelSummaryLine, parseIntOpt } from './shared.js';

export interface ExportFlags extends CompileFlags {
  to: string;
  output: string;
  force?: boolean;
  top?: string;
  loops?: string;
  json?: boolean;
  batch?: string;
  opset?: string;
  externalData?: boolean;
}

export const EXPORT_TARGETS = ['onnx', 'transformerlens'] as const;

/** The model to export: a model file (.safetensors or .onnx), or a circuit file compiled here. */
function loadModel(path: string, o: ExportFlags): Model {
  const bytes = readBytes(path);
  if (isModelFile(path, bytes)) {
    if (o.cot !== undefined || o.scale !== undefined || o.mode !== undefined) throw new UsageError(`${path} is a compiled model: --cot, --scale and --mode apply to circuit files`);
    return readModel(bytes, path);
  }
  let circuit;
  try {
    circuit = parseCircuitBytes(bytes, { ...parseOptionsOf(o), file: path });
  } catch (e) {
    if (e instanceof UserError) throw new UsageError(`${path} is not a gatecot model file (.safetensors or .onnx) and does not read as a circuit file either: ${e.message}`);
    throw e;
  }
  return compile(circuit, compileOptionsOf(o));
}

/** Refuses the options of the other target. */
function onlyFor(o: ExportFlags, to: string, flags: [keyof ExportFlags, string][]): void {
  for (const [k, flag] of flags) if (o[k] !== undefined) throw new UsageError(`${flag} goes with --to ${to === 'onnx' ? 'transformerlens' : 'onnx'}, not --to ${to}`);
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
  onlyFor(o, 'transformerlens', [
    ['batch', '--batch'],
    ['opset', '--opset'],
    ['externalData', '--external-data'],
  ]);
  const model = loadModel(path, o);
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

function kb(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/** gatecot export MODEL [--to onnx] -o FILE.onnx [--external-data]: the ONNX graph (and FILE.onnx.data). */
function exportOnnxFile(ctx: CliContext, path: string, o: ExportFlags, version: string): void {
  onlyFor(o, 'onnx', [['loops', '--loops']]);
  const force = Boolean(o.force);
  const dataName = `${basename(o.output)}.data`;
  const dataPath = `${o.output}.data`;
  const mapPath = `${o.output.replace(/\.onnx$/i, '')}.circuit_map.json`;
  checkOutput(o.output, force);
  if (o.externalData) checkOutput(dataPath, force);
  const opsetText = o.opset ?? String(DEFAULT_OPSET);
  if (!/^\d+$/.test(opsetText)) throw new UsageError(`--opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, got '${opsetText}'`);
  const opset = Number(opsetText);
  const batch = o.batch !== undefined ? parseIntOpt(o.batch, 'batch', 1, 1 << 20) : undefined;
  if (batch === 0) throw new UsageError('--batch must be at least 1');
  const model = loadModel(path, o);
  const map = onnxCircuitMap(model, path, o);
  if (map) checkOutput(mapPath, force);
  const opts = { opset, producerVersion: version, ...(batch !== undefined ? { batch } : {}), ...(o.externalData ? { externalData: dataName } : {}) };
  let f;
  try {
    f = exportOnnx(model, opts);
  } catch (e) {
    if (e instanceof OnnxSizeError) throw new UsageError(`${path}: the ONNX graph would take ${(e.bytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB limit for one .onnx file: add --external-data to write the weights to ${dataName} beside it`);
    throw e;
  }
  const dataBytes = f.externalData?.reduce((n, c) => n + c.length, 0);
  if (f.externalData) writeOutput(dataPath, f.externalData, force);
  writeOutput(o.output, f.bytes, force);
  if (map) writeOutput(mapPath, `${JSON.stringify(map)}\n`, force);
  const loop = model.meta.loop;
  if (o.json) {
    printJson(ctx, {
      to: 'onnx',
      path: o.output,
      bytes: f.bytes.length,
      opset,
      batch: batch ?? null,
      inputs: [ONNX_IO.input, ...(loop ? [ONNX_IO.loops] : [])],
      outputs: [ONNX_IO.logits, ONNX_IO.tokens],
      ...(loop ? { loop: { ...loop, node: 'Loop' } } : {}),
      ...(dataBytes !== undefined ? { external_data: { path: dataPath, bytes: dataBytes } } : {}),
      circuit_map: map ? { path: mapPath, wires_mapped: map.wires.length } : null,
      model: modelJson(model),
    });
    return;
  }
  const io = `inputs ${ONNX_IO.input} [${batch ?? 'batch'}, seq]${loop ? ` and ${ONNX_IO.loops} (default ${loop.count})` : ''}, outputs ${ONNX_IO.logits} and ${ONNX_IO.tokens}`;
  const data = dataBytes !== undefined ? ` + ${dataPath} (${kb(dataBytes)})` : '';
  const mapped = map ? `; ${mapPath} (${map.wires.length} wires)` : '; no circuit_map.json: the circuit of a uniform model is in its prompt (give one with --circuit)';
  ctx.io.out(`wrote ${o.output}: ONNX opset ${opset}, ${modelSummaryLine(model)}; ${io}; ${kb(f.bytes.length)}${data}${mapped}\n`);
}

/** The ground-truth map written beside an ONNX file: a positional model's own circuit, or the
 *  --circuit given for a uniform one (none without it: the model serves every circuit). */
function onnxCircuitMap(model: Model, path: string, o: ExportFlags): ReturnType<typeof circuitMap> | undefined {
  const meta = model.meta;
  if (meta.mode === 'positional' && o.circuit !== undefined) throw new UsageError(`--circuit goes with a uniform model; ${path} is positional (its circuit is in its weights)`);
  if (meta.mode === 'uniform' && o.circuit === undefined) return undefined;
  const circuit = o.circuit !== undefined ? loadCircuit(o.circuit, o) : undefined;
  return circuitMap(model, circuit ? { circuit } : {});
}

export function registerExport(program: Command, ctx: CliContext, version: string): void {
  program
    .command('export')
    .description("write a model in another tool's format: --to onnx (default), a standard ONNX graph (token ids in; logits and argmax tokens out) with the sequence contract in its metadata_props; --to transformerlens, a folder with circuit_map.json, the ground truth of which heads and positions compute each gate")
    .argument('<model>', 'model file (.safetensors or .onnx), or a circuit file (compiled with --mode, --cot, --scale)')
    .option('--to <target>', `what to write: ${EXPORT_TARGETS.join(' or ')}`, 'onnx')
    .requiredOption('-o, --output <path>', 'where to write (onnx: a file; transformerlens: a folder, created if new)')
    .option('--force', 'overwrite existing files')
    .option('--batch <B>', 'onnx: a fixed batch size (default: dynamic)')
    .option('--opset <N>', `onnx: the opset, ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})`)
    .option('--external-data', "onnx: write the weights to OUTPUT.data beside the .onnx file (ONNX external data; needed above protobuf's 2 GB limit)")
    .option('--circuit <file>', 'a uniform model: the circuit whose circuit_map.json to write (onnx: optional; transformerlens: required)')
    .option('--loops <K>', "transformerlens, a looped model: unroll its block K times (default: the model's own count)")
    .option('--mode <m>', 'compiling a circuit file: positional, uniform, looped, looped-cot, deep or uniform-looped')
    .option('--cot <format>', 'compiling a circuit file: 4tok or gate')
    .option('--scale <L>', 'compiling a circuit file: key scale of the retrieval heads')
    .option('--format <fmt>', 'format of a circuit file (MODEL or --circuit; default: from the extension or the content)')
    .option('--top <module>', 'Verilog: the module of a circuit file to read')
    .option('--json', 'print one JSON object')
    .action((model: string, o: ExportFlags) => {
      if (o.to === 'transformerlens') return exportTransformerLens(ctx, model, o);
      if (o.to === 'onnx') return exportOnnxFile(ctx, model, o, version);
      throw new UsageError(`unknown --to '${o.to}' (expected ${EXPORT_TARGETS.join(', ')})`);
    });
}
