// How the WebGPU engine fails: a missing adapter, a shader the driver rejects, a model that
// does not fit the adapter's limits, a lost device, an arithmetic it does not run. Each is one
// line (a UserError, so the CLI prints it and exits 2), never a crash or a silent fallback;
// `--backend auto` falls back to the CPU with a one-line notice. Also `gatecot doctor`.
// The adapter-free cases run everywhere; the rest are skipped without an adapter (with a
// notice), except with CI=true, where a missing adapter fails the suite.

import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { captureIo } from '../cli/io.js';
import { runCli } from '../cli/main.js';
import { compile } from '../compiler/index.js';
import { createEngine } from '../runtime/index.js';
import { WebGpuEngine, WebGpuError, WebGpuUnavailableError, openGpu } from '../runtime/webgpu/index.js';
import { buildKernel } from '../runtime/webgpu/kernels.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { shared } from './shared.js';

const LONG = 300_000;
const c17 = shared('iscas85/c17.bench');

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

/** Runs the CLI in-process with GATECOT_WEBGPU set (restored afterwards). */
async function cli(args: string[], webgpu?: string): Promise<{ code: number; out: string; err: string }> {
  const saved = process.env.GATECOT_WEBGPU;
  if (webgpu === undefined) delete process.env.GATECOT_WEBGPU;
  else process.env.GATECOT_WEBGPU = webgpu;
  try {
    const io = captureIo();
    const code = await runCli(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  } finally {
    if (saved === undefined) delete process.env.GATECOT_WEBGPU;
    else process.env.GATECOT_WEBGPU = saved;
  }
}

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
    expect(auto.notice).toMatch(/no WebGPU adapter.*CPU reference/);
    expect(auto.notice).not.toMatch(/\n/);
  });

  it('the CLI: verify --backend webgpu exits 2 with one line; auto runs on the CPU', async () => {
    const r = await cli(['verify', c17, '--backend', 'webgpu'], 'off');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^gatecot: no WebGPU adapter/);
    const a = await cli(['verify', c17, '--backend', 'auto', '--json'], 'off');
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/using the CPU reference/);
    expect(JSON.parse(a.out).backend).toBe('cpu');
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
