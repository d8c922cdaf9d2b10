// `gatecot doctor`: what WebGPU adapter this machine has (vendor, architecture, description,
// the limits and features the engine uses) and a short self-test of the WebGPU engine against
// the CPU reference on a small compiled circuit. Exit 0 when the self-test passes, 1 when it
// fails, 2 when there is no adapter.

import type { Command } from 'commander';
import { generate } from '../../circuits/gen/index.js';
import { WebGpuError, openGpu, type GpuContext } from '../../runtime/webgpu/index.js';
import { selfTest, type SelfTestResult } from '../../runtime/webgpu/selftest.js';
import type { CliContext } from '../context.js';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED } from '../errors.js';
import { printJson } from './json.js';

/** What doctor reports about the adapter (text rows and --json alike). */
function adapterFacts(ctx: GpuContext): { adapter: Record<string, unknown>; limits: Record<string, number>; features: Record<string, unknown>; attention_kernel: string } {
  const i = ctx.info;
  const L = ctx.device.limits;
  const f = ctx.adapter.features;
  return {
    adapter: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, fallback: i.isFallback, line: i.line },
    limits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: L.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
    },
    // subgroup_size: the fixed size, 0 when it varies, null without subgroups on the device.
    features: { shader_f16: f.has('shader-f16'), subgroups: f.has('subgroups'), subgroup_size: ctx.device.features.has('subgroups') ? ctx.subgroupSize : null, timestamp_query: f.has('timestamp-query') },
    attention_kernel: ctx.isCpu && ctx.subgroupSize ? 'register tiles + subgroup broadcasts (CPU adapter)' : 'workgroup-memory tiles',
  };
}

function describeAdapter(ctx: GpuContext): string {
  const a = adapterFacts(ctx);
  const i = ctx.info;
  const yes = (b: unknown): string => (b ? 'yes' : 'no');
  const sg = a.features.subgroup_size ? ` (size ${a.features.subgroup_size})` : a.features.subgroup_size === 0 ? ' (varying size)' : '';
  const rows: [string, string | number][] = [
    ['vendor', i.vendor],
    ['architecture', i.architecture],
    ['device', i.device || '-'],
    ['description', i.description],
    ['fallback (CPU) adapter', yes(i.isFallback)],
    ...Object.entries(a.limits),
    ['shader-f16 (--arith f16)', yes(a.features.shader_f16)],
    ['subgroups', yes(a.features.subgroups) + sg],
    ['timestamp-query', yes(a.features.timestamp_query)],
    ['attention kernel', a.attention_kernel],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `adapter: ${i.line}\n` + rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}\n`).join('');
}

function resultJson(r: SelfTestResult): Record<string, unknown> {
  return { arith: r.arith, cot: r.cot, seq_len: r.seqLen, inputs: r.inputs, token_mismatches: r.tokenMismatches, max_logit_diff: r.maxLogitDiff, generate_mismatches: r.generateMismatches, seconds: Number(r.seconds.toFixed(3)), ok: r.ok };
}

function resultLine(r: SelfTestResult): string {
  const verdict = r.ok ? 'OK' : 'FAIL';
  return (
    `  ${r.arith} ${r.cot} (S ${r.seqLen}, ${r.inputs} inputs): ${r.tokenMismatches} token mismatches, ` +
    `max logit difference ${r.maxLogitDiff.toExponential(1)}, ${r.generateMismatches} generation mismatches: ${verdict} (${r.seconds.toFixed(1)} s)\n`
  );
}

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('show the WebGPU adapter and self-test the WebGPU engine against the CPU reference')
    .option('--json', 'print one JSON object')
    .action(async (o: { json?: boolean }) => {
      let gpu: GpuContext;
      try {
        gpu = await openGpu({ wantF16: true });
      } catch (e) {
        if (!(e instanceof WebGpuError)) throw e;
        // No adapter: still the one-line error on stderr and exit 2; --json says so on stdout too.
        if (o.json) printJson(ctx, { ok: false, adapter: null, error: e.message });
        else ctx.io.out(`adapter: none\n`);
        ctx.io.err(`gatecot: ${e.message}\n`);
        ctx.code = EXIT_BAD_INPUT;
        return;
      }
      try {
        const out = (s: string): void => void (o.json ? undefined : ctx.io.out(s));
        out(describeAdapter(gpu));
        out('self-test against the CPU reference (4-bit adder, teacher forcing and generation):\n');
        const c = generate('adder', { width: '4' });
        const results = [await selfTest(gpu, c, '4tok', 'f32')];
        if (gpu.hasF16) results.push(await selfTest(gpu, c, '4tok', 'f16'));
        for (const r of results) out(resultLine(r));
        const ok = results.every((r) => r.ok);
        out(ok ? 'self-test passed\n' : 'self-test FAILED\n');
        if (o.json) printJson(ctx, { ok, ...adapterFacts(gpu), selftest: { ok, circuit: c.name, results: results.map(resultJson) } });
        if (!ok) ctx.code = EXIT_CHECK_FAILED;
      } finally {
        gpu.destroy();
      }
    });
}
