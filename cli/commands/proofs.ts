// Commands of the theorem's claims: certify, check-cert, scaling.

import type { Command } from 'commander';
import { certify, certifyAllCircuits, type Certificate, type CertifyMethod } from '../../proofs/index.js';
import { parseArith } from '../../runtime/index.js';
import { recheck } from '../../proofs/check/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED, UsageError } from '../errors.js';
import { loadCircuit, writeOutput } from '../files.js';
import { isModelFile, loadCircuitOrModel, parseLoops, readBytes, readModel, type CompileFlags } from '../load.js';
import { registerScaling } from './scaling.js';
import { WorkProgress } from '../progress.js';

function fmt(x: unknown): string {
  if (typeof x === 'number' && !Number.isFinite(x)) return `${x} (not a finite number: the arithmetic overflowed)`;
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : String(Number(x.toPrecision(Math.abs(x) > 0.999 && Math.abs(x) < 1 ? 7 : 4)));
  return String(x);
}

function summary(c: Certificate['claims'][number]): string {
  const e = c.evidence;
  switch (c.claim) {
    case 'structure': {
      if (e.construction !== undefined) {
        const applied = e.construction === 'deep' ? `each applied once` : `applied ${e.applied_layers} times (${e.loops} loops; the circuit needs ${e.loops_needed})`;
        return `${e.construction}: ${e.stored_layers} stored layer(s) x ${e.heads_per_layer} heads, ${applied}, d_model ${e.d_model} = ${e.formula} (k = ${e.k}), ${e.non_finite_weights} non-finite weights`;
      }
      const shape = e.layers === 1 ? `1 layer x ${e.heads_per_layer} heads` : `${e.layers} layers x ${e.heads_per_layer} heads`;
      const v = e.L !== undefined ? `L = ${e.L}, capacity ${e.capacity}` : `k = ${e.k}`;
      return `${shape}, d_model ${e.d_model} = ${e.formula} (${v}), ${e.non_finite_weights} non-finite weights`;
    }
    case 'retrieval lemma':
      return e.reason !== undefined
        ? String(e.reason)
        : `target weight >= ${fmt(e.min_target_weight)}, elsewhere <= ${fmt(e.max_weight_elsewhere)}` +
            (e.exact_one_hot !== undefined ? `, exact one-hot ${e.exact_one_hot ? 'yes' : 'no'}` : '') +
            (e.exact_values_checked !== undefined ? `, ${e.exact_values_checked} exact values checked` : '') +
            (e.head_positions_checked !== undefined ? `, ${e.head_positions_checked} (head, position) pairs on their stated targets` : '') +
            ` (${e.method})`;
    case 'gate lemma':
      return e.reason !== undefined
        ? String(e.reason)
        : e.epsilon !== undefined
          ? `every gate type, all 4 input pairs, bits off by ${fmt(e.epsilon)}: margin ${fmt(e.min_margin)}`
          : `block ${e.block} (layer ${e.layer}): every gate type from its token, all 4 input pairs: margin ${fmt(e.min_margin)}`;
    case 'induction':
      return e.reason !== undefined
        ? String(e.reason)
        : `${e.statement}: ${e.wires_due} of ${e.wires} wires due by the last layer (${e.position_steps} position steps evaluated, ${e.position_steps_kept} unchanged; up to ${e.max_cases} cases at a position; ${e.rounding === 'outward' ? 'outward rounding' : e.rounding === 'nearest' ? "the CPU reference's round-to-nearest order" : 'exact'}${e.exact_states === true ? ', every state exact' : ''})`;
    default:
      if (e.reason === undefined && e.outputs !== undefined) {
        return `every output's argmax is its value after the last of ${e.applied_layers} applied layers, ${e.min_margin === null ? `${e.outputs_established} of ${e.outputs} outputs established` : `margin >= ${fmt(e.min_margin)}`}, for all ${e.inputs_covered} inputs (${e.wires_established} wires established; ${e.rounding === 'outward' ? 'outward rounding: every binary32 evaluation order' : e.rounding === 'nearest' ? "the CPU reference's round-to-nearest order" : 'exact'})`;
      }
      return e.reason !== undefined
        ? String(e.reason)
        : `margin >= ${fmt(e.min_margin)} at all ${e.positions} CoT positions, for all ${e.inputs_covered} inputs` +
            (e.rounding === 'outward'
              ? e.min_margin_nearest !== undefined
                ? ` (outward rounding; nearest: ${fmt(e.min_margin_nearest)})`
                : ' (outward rounding: every binary32 evaluation order)'
              : e.rounding === 'nearest'
                ? ' (round-to-nearest, the CPU reference\'s order)'
                : '');
  }
}

export function certificateTable(cert: Certificate): string {
  const rows = cert.claims.map((c) => `${c.claim.padEnd(16)} ${(c.holds ? 'yes' : 'NO').padEnd(5)} ${summary(c)}`);
  const fails = cert.claims.filter((c) => !c.holds && c.failure).map((c) => `  ${c.claim} fails${c.failure!.position >= 0 ? ` at position ${c.failure!.position}` : ''}: ${c.failure!.detail}`);
  return [
    `certify ${cert.circuit_name}: ${cert.mode === 'uniform' ? `uniform model (capacity ${cert.capacity}), ` : ''}${cert.construction !== undefined ? `${cert.construction} (no CoT, argmax readout), ${cert.applied_layers} applied layers${cert.loops !== undefined ? ` (${cert.loops} loops)` : ''}` : `${cert.cot} CoT`}, ${cert.arith}, S ${cert.seq_len}, model ${cert.model_hash.slice(0, 12)}`,
    `${'claim'.padEnd(16)} ${'holds'.padEnd(5)} evidence`,
    ...rows,
    ...fails,
    `verdict: ${cert.verdict ? 'CERTIFIED for every input' : 'NOT CERTIFIED'} (${cert.seconds.toFixed(2)} s)`,
    '',
  ].join('\n');
}

/** certify --loops K: a whole number (parseLoops' checks); auto has no fixed count to prove. */
function certifyLoops(s: string | undefined): number | undefined {
  const l = parseLoops(s);
  if (l === 'auto') throw new UsageError('certify needs a fixed loop count: --loops auto stops when the residual stops changing on the inputs run, which a proof for every input cannot observe; give --loops K');
  return l;
}

function allCircuits(ctx: CliContext, file: string, o: CompileFlags & { arith: string; output?: string; force?: boolean; json?: boolean }): void {
  if (o.circuit !== undefined) throw new UsageError('--all-circuits certifies the model for every circuit: give no --circuit');
  if (o.cot !== undefined || o.scale !== undefined || o.mode !== undefined || o.injectFault !== undefined) throw new UsageError('--all-circuits takes a uniform model file (compile --uniform --max-wires N)');
  const bytes = readBytes(file);
  if (!isModelFile(file, bytes)) throw new UsageError(`${file} is not a model file: --all-circuits takes a uniform model (compile --uniform --max-wires N)`);
  const model = readModel(bytes, file);
  if (model.meta.mode !== 'uniform') throw new UsageError(`${file} is a positional model: --all-circuits is for uniform models`);
  if (model.meta.readout === 'argmax') throw new UsageError(`${file} is a uniform looped model: --all-circuits certifies the uniform CoT model (compile --uniform without --mode looped)`);
  const a = parseArith(o.arith);
  if (a.kind !== 'fixed' && a.kind !== 'float') throw new UsageError(`--all-circuits is an exact certificate: use --arith fixed:s or float:e,s, not ${a.name}`);
  const cert = certifyAllCircuits(model, a.name);
  if (o.output) writeOutput(o.output, JSON.stringify(cert) + '\n', Boolean(o.force));
  if (o.json) ctx.io.out(JSON.stringify(cert) + '\n');
  else {
    const rows = cert.claims.map((c) => `${c.claim.padEnd(14)} ${(c.holds ? 'yes' : 'NO').padEnd(5)} ${allSummary(c)}`);
    ctx.io.out(
      [
        `certify ${file}: uniform model, capacity ${cert.capacity} wires (S up to ${cert.max_seq_len}), ${cert.arith}, every well-formed circuit, model ${cert.model_hash.slice(0, 12)}`,
        `${'claim'.padEnd(14)} ${'holds'.padEnd(5)} evidence`,
        ...rows,
        `verdict: ${cert.verdict ? `CERTIFIED for every well-formed circuit of at most ${cert.capacity} wires and every input` : 'NOT CERTIFIED'} (${cert.seconds.toFixed(2)} s)`,
        '',
      ].join('\n'),
    );
  }
  if (!cert.verdict) ctx.code = EXIT_CHECK_FAILED;
}

function allSummary(c: Certificate['claims'][number]): string {
  const e = c.evidence;
  if (!c.holds) return String(e.reason ?? c.failure?.detail ?? '');
  switch (c.claim) {
    case 'structure':
      return summary(c);
    case 'embeddings':
      return `${e.tokens} tokens and ${e.positions} positions as the construction states them`;
    case 'heads':
      return `7 match heads wired as specified; ${e.automaton}; position heads on their rule targets at ${e.position_head_positions} (head, position) pairs`;
    case 'feed-forward':
      return `layers 1 and 2 over their whole input domains (${e.cases} cases, operand codes bit by bit)`;
    case 'output layer':
      return `every slot and state, every next id (${e.id_rows} id rows by automaton): margin ${fmt(e.min_margin)}`;
    default:
      return JSON.stringify(e);
  }
}

export function registerProofs(program: Command, ctx: CliContext): void {
  program
    .command('certify')
    .description("check the theorem's claims for a compiled model, for all 2^n inputs at once")
    .argument('<file>', 'circuit or model file')
    .option('--arith <mode>', 'f32, f64, fixed:s or float:e,s', 'f32')
    .option('--method <m>', 'auto, fast (automaton bound) or exhaustive (every attention weight)', 'auto')
    .option('--rounding <r>', 'f32 only: outward (default: every binary32 evaluation order, faithful rounding) or nearest (the CPU reference exactly)')
    .option('--cot <format>', '4tok or gate (circuit files)')
    .option('--scale <L>', 'key scale λ (circuit files)')
    .option('--inject-fault <kind>', 'miscompile on purpose: weak-scale, swap-gate, off-by-one')
    .option('--format <fmt>', 'circuit format')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--circuit <file>', 'the circuit a uniform model runs')
    .option('--mode <m>', 'compiling a circuit file: positional or uniform')
    .option('-o, --output <cert>', 'write the certificate (JSON)')
    .option('--force', 'overwrite an existing certificate file')
    .option('--json', 'print the certificate as JSON')
    .option('--all-circuits', 'a uniform model: certify it for EVERY well-formed circuit of at most its capacity and every input (needs --arith fixed:s or float:e,s)')
    .option('--loops <k>', 'a looped model: certify it run with k loops instead of its own count (auto is refused: a proof needs a fixed count)')
    .action((file: string, o: CompileFlags & { arith: string; method: string; rounding?: string; output?: string; force?: boolean; json?: boolean; allCircuits?: boolean; loops?: string }) => {
      if (o.rounding !== undefined && o.arith !== 'f32') throw new UsageError(`--rounding chooses how f32 is rounded; it does not apply to --arith ${o.arith}`);
      o.rounding ??= 'outward';
      if (o.allCircuits && o.loops !== undefined) throw new UsageError('--all-circuits certifies a uniform CoT model: --loops does not apply');
      if (o.allCircuits) return allCircuits(ctx, file, o);
      if (!['auto', 'fast', 'exhaustive'].includes(o.method)) throw new UsageError(`--method must be auto, fast or exhaustive, got '${o.method}'`);
      if (o.rounding !== 'outward' && o.rounding !== 'nearest') throw new UsageError(`--rounding must be outward or nearest, got '${o.rounding}'`);
      if (o.arith === 'f16') throw new UsageError('certify supports f32, f64, fixed:s and float:e,s');
      const loops = certifyLoops(o.loops);
      const bound = loadCircuitOrModel(file, o);
      if (loops !== undefined && !bound.model.meta.loop) throw new UsageError(`--loops applies to a looped model (compile with --mode looped or looped-cot); ${file} has no loop`);
      const latent = bound.model.meta.readout === 'argmax';
      let bar: WorkProgress | undefined;
      const progress = (done: number, total: number): void => {
        bar ??= new WorkProgress(ctx.io, 'certify', latent ? 'applied layers' : 'positions', total, o.arith === 'f32' && o.rounding === 'outward' ? '--rounding nearest (the CPU reference exactly), or --method fast' : '--method fast');
        bar.update(done);
      };
      const cert = certify(bound, o.arith, { method: o.method as CertifyMethod, rounding: o.rounding, ...(loops !== undefined ? { loops } : {}), onProgress: progress });
      bar?.clear();
      if (o.output) writeOutput(o.output, JSON.stringify(cert) + '\n', Boolean(o.force));
      ctx.io.out(o.json ? JSON.stringify(cert) + '\n' : certificateTable(cert));
      if (!cert.verdict) ctx.code = EXIT_CHECK_FAILED;
    });

  program
    .command('check-cert')
    .description('re-check a certificate against a model with independent code')
    .argument('<cert>', 'certificate file (from certify -o)')
    .argument('<model>', 'model file (.safetensors)')
    .option('--circuit <file>', "a uniform model's per-circuit certificate: the circuit it certifies")
    .option('--format <fmt>', 'circuit format')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--json', 'print one JSON object: ok, problems, positions, the least margins, warnings')
    .action((certPath: string, modelPath: string, o: { circuit?: string; format?: string; json?: boolean }) => {
      let cert: Record<string, unknown>;
      try {
        cert = JSON.parse(new TextDecoder().decode(readBytes(certPath))) as Record<string, unknown>;
      } catch (e) {
        if (e instanceof SyntaxError) throw new UsageError(`${certPath}: not a JSON certificate`);
        throw e;
      }
      if (typeof cert !== 'object' || cert === null || Array.isArray(cert)) throw new UsageError(`${certPath}: not a JSON certificate`);
      // Another JSON file (a trace, a verify report) is not a certificate that was altered.
      if (!Array.isArray(cert.claims) || typeof cert.model_hash !== 'string' || typeof cert.arith !== 'string') {
        throw new UsageError(`${certPath}: not a gatecot certificate (it has no claims, model_hash and arith: write one with gatecot certify -o)`);
      }
      const modelBytes = readBytes(modelPath);
      if (!isModelFile(modelPath, modelBytes)) throw new UsageError(`${modelPath}: not a model file (a .safetensors written by gatecot compile)`);
      const model = readModel(modelBytes, modelPath);
      if (model.meta.mode === 'positional') {
        if (o.circuit !== undefined) throw new UsageError(`--circuit goes with a uniform model; ${modelPath} is positional (its circuit is in its weights)`);
      } else if (cert.kind === 'all-circuits') {
        if (o.circuit !== undefined) throw new UsageError(`${certPath} is an all-circuits certificate (every circuit up to the capacity): give no --circuit`);
      } else if (o.circuit === undefined) {
        const name = typeof cert.circuit_name === 'string' ? ` (${cert.circuit_name})` : '';
        throw new UsageError(`${modelPath} is a uniform model and ${certPath} certifies it on one circuit${name}: give that circuit with --circuit FILE`);
      }
      const r = recheck(cert, model, o.circuit === undefined ? undefined : loadCircuit(o.circuit, o));
      if (!r.ok) ctx.code = EXIT_CHECK_FAILED;
      if (o.json) {
        const margin = (x: number | null | undefined) => (x === undefined ? {} : x);
        ctx.io.out(
          JSON.stringify({
            ok: r.ok,
            certificate: certPath,
            model: modelPath,
            kind: typeof cert.kind === 'string' ? cert.kind : 'per-circuit',
            arith: cert.arith,
            problems: r.problems,
            positions: r.positions,
            min_margin: r.minMargin,
            ...(r.outwardMinMargin !== undefined ? { outward_min_margin: margin(r.outwardMinMargin) } : {}),
            ...(r.certMinMargin !== undefined ? { certificate_min_margin: margin(r.certMinMargin) } : {}),
            warnings: r.warnings ?? [],
            ...(r.summary ? { summary: r.summary } : {}),
          }) + '\n',
        );
        return;
      }
      if (r.ok) ctx.io.out(`check-cert: OK: ${r.summary ?? `claims 1 (structure), 2 (retrieval) and 4 (all inputs) re-checked independently at ${r.positions} positions, least margin ${r.minMargin}; claim 3 is covered by the margins of every gate this circuit uses`}\n`);
      else {
        ctx.io.out(`check-cert: REJECTED\n${r.problems.map((p) => `  ${p}`).join('\n')}\n`);
      }
    });

  registerScaling(program, ctx);
}
