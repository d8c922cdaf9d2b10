// How the WebGPU engine fails: a missing adapter, a shader the driver rejects, a model that
// does not fit the adapter's limits, a lost device, an arithmetic it does not run. Each is one
// line (a UserError, so the CLI prints it and exits 2), never a crash or a silent fallback;
// `--backend auto` falls back to the CPU with a one-line notice only where WebGPU is
// unavailable (no adapter, an arithmetic or feature it lacks); any other WebGPU error propagates,
// and in a fuzz campaign on auto it is a finding on WebGPU. Also `gatecot doctor`.
// The adapter-free cases run everywhere; the rest are skipped without an adapter (with a
// notice), except with CI=true, where a missing adapter fails the suite.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../common/errors.js';
import { generate } from '../circuits/gen/index.js';
import { cliWithWebgpu } from './cli-helpers.js';
import { compile } from '../compiler/index.js';
import { createEngine } from '../runtime/index.js';
import { SharedGpu, WHOLE, findingReport, openFuzzBackend, runCampaign, type CampaignOptions, type Finding } from '../fuzz/index.js';
import { WebGpuEngine, WebGpuError, WebGpuUnavailableError, isUnavailable, openGpu, type WebGpuErrorKind } from '../runtime/webgpu/index.js';
import { buildKernel } from '../runtime/webgpu/kernels.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { repoRoot, shared } from './shared.js';

const LONG = 300_000;
const c17 = shared('iscas85/c17.bench');
const tmp = mkdtempSync(join(tmpdir(), 'gatecot-webgpu-errors-'));

function jsonEvents(out: string, event: string): Record<string, unknown>[] {
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event);
}

const ctx = await gpuOrSkip('WebGPU error tests that need an adapter');
afterAll(() => ctx?.destroy());
const withGpu = ctx ? describe : describe.skip;

function expectOneLine(e: unknown): asserts e is UserError {
  expect(e).toBeInstanceOf(UserError);
  expect((e as Error).message).not.toMatch(/\n/);
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const cli = cliWithWebgpu;

describe('no adapter (GATECOT_WEBGPU=off, or disabled)', () => {
  const m = compile(generate('adder', { width: '2' }), { cot: 'gate' });

  it('the engine reports one line, a UserError', async () => {
    const e = await errorOf(WebGpuEngine.create(m, 'f32', { disabled: true }));
    expect(e).toBeInstanceOf(WebGpuUnavailableError);
    expectOneLine(e);
  });

  it('--backend webgpu is an error; auto falls back to the CPU with a notice', async () => {
    const e = await errorOf(createEngine(m, 'webgpu', 'f32', { webgpu: { disabled: true } }));
    expectOneLine(e);
    const auto = await createEngine(m, 'auto', 'f32', { webgpu: { disabled: true } });
    expect(auto.engine.backend).toBe('cpu');
    expect(auto.notice).toMatch(/no WebGPU adapter.*CPU fast f32 kernel/);
    expect((await createEngine(m, 'auto', 'f32', { webgpu: { disabled: true }, cpuKernel: 'reference' })).notice).toMatch(/no WebGPU adapter.*CPU reference$/);
    expect(auto.notice).not.toMatch(/\n/);
  });

  it('the CLI: verify --backend webgpu exits 2 with one line; auto runs on the CPU', async () => {
    const r = await cli(['verify', c17, '--backend', 'webgpu'], 'off');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^gatecot: no WebGPU adapter/);
    const a = await cli(['verify', c17, '--backend', 'auto', '--json'], 'off');
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/using the CPU fast f32 kernel/);
    expect(JSON.parse(a.out).backend).toBe('cpu');
  });

  it('auto falls back on "unavailable" errors only', () => {
    expect(isUnavailable(new WebGpuUnavailableError('none'))).toBe(true);
    expect(isUnavailable(new WebGpuError('unsupported', 'no shader-f16'))).toBe(true);
    const engineFailures: WebGpuErrorKind[] = ['device-lost', 'shader', 'validation', 'out-of-memory', 'limits'];
    for (const k of engineFailures) expect(isUnavailable(new WebGpuError(k, 'x')), k).toBe(false);
    expect(isUnavailable(new Error('x'))).toBe(false);
  });

  it('fuzz (default: --backend auto) runs on the CPU with a notice, and every case line says so; webgpu exits 2', async () => {
    const args = ['fuzz', '--count', '2', '--gates', '1..6', '--inputs', '1..4', '--cot', 'gate', '--json', '--out', join(tmp, 'off')];
    const r = await cli(args, 'off');
    expect(r.code, r.err).toBe(0);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/^gatecot: no WebGPU adapter.*: using the CPU fast f32 kernel$/)]);
    expect(jsonEvents(r.out, 'start')[0]).toMatchObject({ backend: 'cpu', options: { backend: 'auto' } });
    expect(jsonEvents(r.out, 'case').map((c) => c.backend)).toEqual(['cpu', 'cpu']);
    expect(jsonEvents(r.out, 'summary')[0]).toMatchObject({ backend: 'cpu', cases: 2, failed_cases: 0 });
    const w = await cli([...args, '--backend', 'webgpu'], 'off');
    expect(w.code).toBe(2);
    expect(w.err.trim().split('\n')).toEqual([expect.stringMatching(/^gatecot: no WebGPU adapter/)]);
    expect(w.out).toBe('');
  });

  it('doctor exits 2', async () => {
    const r = await cli(['doctor'], 'off');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no WebGPU adapter/);
  });
});

withGpu('WebGPU errors with an adapter', () => {
  it('a shader the driver rejects: one line naming the kernel', async () => {
    const e = await errorOf(buildKernel(ctx!, { label: 'broken', code: 'fn main( {', bindings: ['uniform'] }));
    expect(e).toBeInstanceOf(WebGpuError);
    expect((e as WebGpuError).kind).toBe('shader');
    expect((e as Error).message).toMatch(/broken/);
    expectOneLine(e);
  });

  it('a model that cannot fit the binding limit: one line', async () => {
    const small = await openGpu({ maxBindingBytes: 64 });
    try {
      const m = compile(generate('adder', { width: '4' }), { cot: '4tok' });
      const e = await errorOf(WebGpuEngine.create(m, 'f32', { context: small }));
      expect((e as WebGpuError).kind).toBe('limits');
      expectOneLine(e);
    } finally {
      small.destroy();
    }
  });

  it('auto does not hide an engine failure: a model over the binding limit throws', async () => {
    const small = await openGpu({ maxBindingBytes: 64 });
    try {
      const m = compile(generate('adder', { width: '4' }), { cot: '4tok' });
      const e = await errorOf(createEngine(m, 'auto', 'f32', { webgpu: { context: small } }));
      expect((e as WebGpuError).kind).toBe('limits');
      expectOneLine(e);
    } finally {
      small.destroy();
    }
  });

  it('fuzz --backend auto: one device, every check on WebGPU, the adapter named', async () => {
    const r = await cli(['fuzz', '--backend', 'auto', '--count', '3', '--gates', '1..8', '--inputs', '1..4', '--cot', 'gate', '--json', '--out', join(tmp, 'auto')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/CPU reference/);
    expect(jsonEvents(r.out, 'start')[0]).toMatchObject({ backend: 'webgpu', adapter: ctx!.info.line });
    expect(jsonEvents(r.out, 'case').map((c) => [c.backend, c.ok])).toEqual([
      ['webgpu', true],
      ['webgpu', true],
      ['webgpu', true],
    ]);
    expect(jsonEvents(r.out, 'summary')[0]).toMatchObject({ backend: 'webgpu', cases: 3, failed_cases: 0 });
  }, LONG);

  it('fuzz on auto: a WebGPU failure is a finding on WebGPU (with its report), not a switch to the CPU', async () => {
    // The one-gate probe's weights (1.25 KB, sparse) fit 1408-byte bindings, those of models of
    // 30 gates (1.6 KB) do not: every case fails.
    const runOn = await openFuzzBackend('auto', 'f32', { maxBindingBytes: 1408 });
    expect(runOn.used).toBe('webgpu');
    const device = await runOn.gpu!.context();
    const o: CampaignOptions = {
      seed: 1n,
      count: 2,
      gates: { min: 30, max: 40 },
      inputs: { min: 8, max: 16 },
      cots: ['gate'],
      check: { arith: 'f32', backend: 'auto' },
      samples: 2,
      shard: WHOLE,
      shrink: false,
      shrinkSeconds: 5,
      runOn,
    };
    const findings: Finding[] = [];
    try {
      const s = await runCampaign(o, { onFinding: (f) => void findings.push(f) });
      expect(s).toMatchObject({ cases: 2, failedCases: 2, backend: 'webgpu' });
      expect(await runOn.gpu!.context()).toBe(device); // the campaign's device, still open
      expect(runOn.gpu!.reopened).toBe(0);
    } finally {
      runOn.gpu!.close();
    }
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.backend).toBe('webgpu');
      expect(f.failure.signature).toMatch(/^exception:WebGpuError:weights needs # bytes in one storage binding/);
      const report = findingReport(o, f, { original: 'x.orig.gc' }) as { backend: string; options: { backend: string }; reproduce: Record<string, string> };
      expect(report.backend).toBe('webgpu');
      expect(report.options.backend).toBe('auto');
      expect(report.reproduce.case).toMatch(/ --backend webgpu/);
      expect(report.reproduce.failure).toMatch(/^gatecot verify x\.orig\.gc .*--backend webgpu/);
    }
  }, LONG);

  it('a campaign\'s shared device is replaced once it is lost', async () => {
    const g = await SharedGpu.open({});
    try {
      const first = await g.context();
      expect(await g.context()).toBe(first);
      first.device.destroy(); // not through GpuContext.destroy(): the context sees a lost device
      await new Promise((r) => setTimeout(r, 50));
      expect(first.healthy).toBe(false);
      const second = await g.context();
      expect(second).not.toBe(first);
      expect(second.healthy).toBe(true);
      expect(g.reopened).toBe(1);
    } finally {
      g.close();
    }
  });

  it('a lost device: the next call fails with one line', async () => {
    const own = await openGpu();
    const m = compile(generate('adder', { width: '2' }), { cot: 'gate' });
    const eng = await WebGpuEngine.create(m, 'f32', { context: own });
    own.device.destroy(); // not through GpuContext.destroy(): the context sees a lost device
    await new Promise((r) => setTimeout(r, 50));
    const e = await errorOf(eng.forward([new Int32Array(m.meta.seq_len)]));
    expect((e as WebGpuError).kind).toBe('device-lost');
    expectOneLine(e);
  });

  it('an arithmetic the engine does not run: one line; auto uses the CPU', async () => {
    const m = compile(generate('adder', { width: '2' }), { cot: 'gate' });
    expectOneLine(await errorOf(createEngine(m, 'webgpu', 'fixed:2', { webgpu: { context: ctx! } })));
    const auto = await createEngine(m, 'auto', 'fixed:2');
    expect(auto.engine.backend).toBe('cpu');
    const r = await cli(['verify', c17, '--backend', 'webgpu', '--arith', 'fixed:2']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('the CLI on WebGPU: verify --json names the adapter; run prints the outputs', async () => {
    const v = await cli(['verify', c17, '--backend', 'webgpu', '--json', '--samples', '4']);
    expect(v.code).toBe(0);
    const j = JSON.parse(v.out);
    expect(j.ok).toBe(true);
    expect(j.backend).toBe('webgpu');
    expect(j.adapter).toBe(ctx!.info.line);
    const r = await cli(['run', c17, '--backend', 'webgpu', '--bits', '10110']);
    const cpu = await cli(['run', c17, '--backend', 'cpu', '--bits', '10110']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(cpu.out);
  }, LONG);

  it('doctor: adapter, limits, features and a passing self-test', async () => {
    const r = await cli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/adapter: /);
    expect(r.out).toMatch(/maxStorageBufferBindingSize/);
    expect(r.out).toMatch(/shader-f16/);
    expect(r.out).toMatch(/self-test passed/);
  }, LONG);
});

// Dawn writes its own warnings to file descriptor 2 from C++; the `gatecot` binary runs commands
// that may open WebGPU in a child and drops exactly those lines (bin/gatecot.js).
describe('the gatecot binary keeps Dawn native warnings off stderr', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'gatecot.js'), ...args], { encoding: 'utf8', timeout: LONG, env: { ...process.env, ...env } });

  (ctx ? it : it.skip)('with an adapter: a WebGPU verify prints nothing on stderr; GATECOT_DAWN_WARNINGS=1 shows them', () => {
    const r = run(['verify', c17, '--backend', 'webgpu', '--samples', '4']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/OK: 6 inputs, \d+ CoT positions, 0 mismatches/);
    expect(r.stderr).toBe('');
    const shown = run(['verify', c17, '--backend', 'webgpu', '--samples', '4'], { GATECOT_DAWN_WARNINGS: '1' });
    expect(shown.status).toBe(0);
    expect(shown.stderr).toMatch(/^Warning: maxDynamic/m);
  }, LONG);

  // VK_LOADER_DRIVERS_DISABLE (Vulkan loader 1.3.234+) hides every driver.
  it('without a Vulkan driver: only gatecot\'s own line, exit 2', () => {
    const r = run(['verify', c17, '--backend', 'webgpu', '--samples', '4'], { VK_LOADER_DRIVERS_DISABLE: '*' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^gatecot: no WebGPU adapter: [^\n]*\n$/);
    // What Dawn itself printed there (shown on request): the loader's warnings and a C++ location.
    const shown = run(['verify', c17, '--backend', 'webgpu'], { VK_LOADER_DRIVERS_DISABLE: '*', GATECOT_DAWN_WARNINGS: '1' });
    expect(shown.stderr).toMatch(/^Warning: vkCreateInstance/m);
  }, LONG);
});
