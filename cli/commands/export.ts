// gatecot export: a model in another format. --to onnx (the default): a standard ONNX graph
// (model/export/onnx.ts) that any ONNX runtime runs, with the sequence contract in its
// metadata_props; --external-data puts the weights in OUTPUT.data beside it (needed above
// protobuf's 2 GB limit).

import { basename } from 'node:path';
import type { Command } from 'commander';
import { parseCircuitBytes } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import { compile } from '../../compiler/index.js';
import { DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, ONNX_IO, OnnxSizeError, type Model } from '../../model/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { checkOutput, parseFormat, writeOutput } from '../files.js';
import { compileOptionsOf, isModelFile, readBytes, readModel, type CompileFlags } from '../load.js';
import { modelJson, printJson } from './json.js';
import { modelSummaryLine, parseIntOpt } from './shared.js';

export const EXPORT_FORMATS = ['onnx'] as const;

interface ExportFlags extends CompileFlags {
  output: string;
  to: string;
  batch?: string;
  opset: string;
  externalData?: boolean;
  force?: boolean;
  json?: boolean;
}

/** The model to export: a model file (.safetensors or .onnx), or a circuit file compiled here. */
function loadModel(path: string, o: CompileFlags): Model {
  const bytes = readBytes(path);
  if (isModelFile(path, bytes)) {
    if (o.cot !== undefined || o.scale !== undefined || o.mode !== undefined) throw new UsageError(`${path} is a compiled model: --cot, --scale and --mode apply to circuit files`);
    return readModel(bytes, path);
  }
  const fmt = parseFormat(o.format);
  let circuit;
  try {
    circuit = parseCircuitBytes(bytes, fmt ? { file: path, format: fmt } : { file: path });
  } catch (e) {
    if (e instanceof UserError) throw new UsageError(`${path} is not a gatecot model (a .safetensors file from gatecot compile) and does not read as a circuit file either: ${e.message}`);
    throw e;
  }
  return compile(circuit, compileOptionsOf(o));
}

function kb(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

export function registerExport(program: Command, ctx: CliContext, version: string): void {
  program
    .command('export')
    .description('write a model in another format: --to onnx, a standard ONNX graph (token ids in; logits and argmax tokens out) with the sequence contract in its metadata_props')
    .argument('<model>', 'model file (.safetensors or .onnx), or a circuit file (compiled with --mode, --cot, --scale)')
    .requiredOption('-o, --output <file>', 'output file (.onnx)')
    .option('--to <format>', 'onnx', 'onnx')
    .option('--batch <B>', 'a fixed batch size (default: dynamic)')
    .option('--opset <N>', `ONNX opset, ${MIN_OPSET} to ${MAX_OPSET}`, String(DEFAULT_OPSET))
    .option('--external-data', "write the weights to OUTPUT.data beside the .onnx file (ONNX external data; needed above protobuf's 2 GB limit)")
    .option('--mode <m>', 'compiling a circuit file: positional, uniform, looped, looped-cot, deep or uniform-looped')
    .option('--cot <format>', 'compiling a circuit file: 4tok or gate')
    .option('--scale <L>', 'compiling a circuit file: key scale of the retrieval heads')
    .option('--format <fmt>', 'circuit format (default: from the extension or the content)')
    .option('--force', 'overwrite existing output files')
    .option('--json', 'print one JSON object')
    .action((file: string, o: ExportFlags) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(o.to)) throw new UsageError(`--to must be ${EXPORT_FORMATS.join(' or ')}, got '${o.to}'`);
      const force = Boolean(o.force);
      const dataName = `${basename(o.output)}.data`;
      const dataPath = `${o.output}.data`;
      checkOutput(o.output, force);
      if (o.externalData) checkOutput(dataPath, force);
      if (!/^\d+$/.test(o.opset)) throw new UsageError(`--opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, got '${o.opset}'`);
      const opset = Number(o.opset);
      const batch = o.batch !== undefined ? parseIntOpt(o.batch, 'batch', 1, 1 << 20) : undefined;
      if (batch === 0) throw new UsageError('--batch must be at least 1');
      const model = loadModel(file, o);
      const opts = { opset, producerVersion: version, ...(batch !== undefined ? { batch } : {}), ...(o.externalData ? { externalData: dataName } : {}) };
      let f;
      try {
        f = exportOnnx(model, opts);
      } catch (e) {
        if (e instanceof OnnxSizeError) throw new UsageError(`${file}: the ONNX graph would take ${(e.bytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB limit for one .onnx file: add --external-data to write the weights to ${dataName} beside it`);
        throw e;
      }
      const dataBytes = f.externalData?.reduce((n, c) => n + c.length, 0);
      if (f.externalData) writeOutput(dataPath, f.externalData, force);
      writeOutput(o.output, f.bytes, force);
      const loop = model.meta.loop;
      if (o.json) {
        printJson(ctx, {
          path: o.output,
          bytes: f.bytes.length,
          format: 'onnx',
          opset,
          batch: batch ?? null,
          inputs: [ONNX_IO.input, ...(loop ? [ONNX_IO.loops] : [])],
          outputs: [ONNX_IO.logits, ONNX_IO.tokens],
          ...(loop ? { loop: { ...loop, node: 'Loop' } } : {}),
          ...(dataBytes !== undefined ? { external_data: { path: dataPath, bytes: dataBytes } } : {}),
          model: modelJson(model),
        });
        return;
      }
      const io = `inputs ${ONNX_IO.input} [${batch ?? 'batch'}, seq]${loop ? ` and ${ONNX_IO.loops} (default ${loop.count})` : ''}, outputs ${ONNX_IO.logits} and ${ONNX_IO.tokens}`;
      const data = dataBytes !== undefined ? ` + ${dataPath} (${kb(dataBytes)})` : '';
      ctx.io.out(`wrote ${o.output}: ONNX opset ${opset}, ${modelSummaryLine(model)}; ${io}; ${kb(f.bytes.length)}${data}\n`);
    });
}
