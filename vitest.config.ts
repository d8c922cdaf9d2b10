import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: process.env.GATECOT_SLOW ? ['test/slow/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: process.env.GATECOT_SLOW ? ['dist/**', 'node_modules/**'] : ['dist/**', 'node_modules/**', 'test/slow/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time even on 2 cores (vitest's default is cores - 1, i.e. one): most files
    // spend their time in one thread or waiting for child processes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Mesa's own SIMD width for lavapipe (8 f32 lanes) in every test file but the one that tests
    // the 16-lane choice (test/webgpu-cpu-kernel.test.ts): llvmpipe compiles the 16-lane CPU
    // attention kernels 2-3x slower (about 10 s a kernel shape here, 30 s for the uniform model's
    // wide heads), which made the WebGPU files most of CI's time; the lanes compute the same.
    env: { GATECOT_LAVAPIPE_WIDTH: process.env.GATECOT_LAVAPIPE_WIDTH ?? '256' },
  },
});
