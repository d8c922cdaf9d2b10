// `gatecot compare FILE`: every construction of one circuit in one table, each row measured on the
// model compiled here (proofs/compare.ts). -o DIR writes compare.md and compare.json (existing
// files are refused before anything runs, unless --force). Exit 1 when a verification fails.

import { join } from 'node:path';
import type { Command } from 'commander';
import { compareHeader, compareTable, runCompare } from '../../report/compare.js';
import { parseBackend } from '../engine-flags.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED } from '../errors.js';
import { loadCircuit, prepareOutputDir, writeOutput } from '../files.js';
import { parseIntOpt } from './shared.js';

interface CompareFlags {
  json?: boolean;
  output?: string;
  force?: boolean;
  backend: string;
  samples: string;
  seed: string;
  format?: string;
}

const FILES = ['compare.md', 'compare.json'];

export function registerCompare(program: Command, ctx: CliContext): void {
  program
    .command('compare')
    .description('every construction of one circuit side by side (CoT, uniform, looped, looped-cot, deep): resources, precision, verify; each row measured')
    .argument('<file>', 'circuit file')
    .option('--backend <b>', 'where the f32 verification runs: cpu, webgpu or auto', 'cpu')
    .option('--samples <n>', 'random inputs verified besides all-zeros and all-ones', '16')
    .option('--seed <s>', 'seed of the random inputs', '1')
    .option('--format <fmt>', 'circuit format (default: from the extension or the content)')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--json', 'print one JSON object')
    .option('-o, --output <dir>', 'write compare.md and compare.json here')
    .option('--force', 'overwrite existing files')
    .action(async (file: string, o: CompareFlags) => {
      const backend = parseBackend(o.backend);
      const samples = parseIntOpt(o.samples, 'samples', 16, 1e6);
      const seed = String(parseIntOpt(o.seed, 'seed', 1, Number.MAX_SAFE_INTEGER));
      const circuit = loadCircuit(file, o);
      prepareOutputDir(o.output, FILES, Boolean(o.force));
      const rep = await runCompare(circuit, {
        backend,
        samples,
        seed,
        onRow: (r) => ctx.io.err(`compare: ${r.mode} ${r.available ? `done (verify ${r.verify_ok === null ? 'not run' : r.verify_ok ? 'ok' : 'FAILED'})` : 'not available'}\n`),
      });
      const md = compareHeader(rep) + '\n' + compareTable(rep);
      ctx.io.out(o.json ? JSON.stringify(rep) + '\n' : md);
      if (o.output) {
        const force = Boolean(o.force);
        writeOutput(join(o.output, 'compare.md'), `# gatecot compare ${file}\n\n${md}`, force);
        writeOutput(join(o.output, 'compare.json'), JSON.stringify(rep, null, 1) + '\n', force);
        if (!o.json) ctx.io.out(`wrote ${join(o.output, 'compare.md')}, compare.json\n`);
      }
      if (rep.rows.some((r) => r.verify_ok === false)) ctx.code = EXIT_CHECK_FAILED;
    });
}
