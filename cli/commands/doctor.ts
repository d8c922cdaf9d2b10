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

function describeAdapter(ctx: GpuContext): string {
  const i = ctx.info;
  const L = ctx.device.limits;
  const f = ctx.adapter.features;
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  const sg = ctx.subgroupSize ? ` (size ${ctx.subgroupSize})` : ctx.device.features.has('subgroups') ? ' (varying size)' : '';
  const rows: [string, string | number][] = [
    ['vendor', i.vendor],
    ['architecture', i.architecture],
    ['device', i.device || '-'],
    ['description', i.description],
    ['fallback (CPU) adapter', yes(i.isFallback)],
    ['maxStorageBufferBindingSize', L.maxStorageBufferBindingSize],
    ['maxBufferSize', L.maxBufferSize],
    ['maxComputeWorkgroupStorageSize', L.maxComputeWorkgroupStorageSize],
    ['maxComputeInvocationsPerWorkgroup', L.maxComputeInvocationsPerWorkgroup],
    ['maxComputeWorkgroupsPerDimension', L.maxComputeWorkgroupsPerDimension],
    ['maxStorageBuffersPerShaderStage', L.maxStorageBuffersPerShaderStage],
    ['shader-f16 (--arith f16)', yes(f.has('shader-f16'))],
    ['subgroups', yes(f.has('subgroups')) + sg],
    ['timestamp-query', yes(f.has('timestamp-query'))],
    ['attention kernel', ctx.isCpu && ctx.subgroupSize ? 'register tiles + subgroup broadcasts (CPU adapter)' : 'workgroup-memory tiles'],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `adapter: ${i.line}\n` + rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}\n`).join('');
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
    .action(async () => {
      let gpu: GpuContext;
      try {
        gpu = await openGpu({ wantF16: true });
      } catch (e) {
        if (!(e instanceof WebGpuError)) throw e;
        ctx.io.out(`adapter: none\n`);
        ctx.io.err(`gatecot: ${e.message}\n`);
        ctx.code = EXIT_BAD_INPUT;
        return;
      }
      try {
        ctx.io.out(describeAdapter(gpu));
        ctx.io.out('self-test against the CPU reference (4-bit adder, teacher forcing and generation):\n');
        const c = generate('adder', { width: '4' });
        const results = [await selfTest(gpu, c, '4tok', 'f32')];
        if (gpu.hasF16) results.push(await selfTest(gpu, c, '4tok', 'f16'));
        for (const r of results) ctx.io.out(resultLine(r));
        const ok = results.every((r) => r.ok);
        ctx.io.out(ok ? 'self-test passed\n' : 'self-test FAILED\n');
        if (!ok) ctx.code = EXIT_CHECK_FAILED;
      } finally {
        gpu.destroy();
      }
    });
}
