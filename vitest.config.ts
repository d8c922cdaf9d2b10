import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: process.env.GATECOT_SLOW ? ['test/slow/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: process.env.GATECOT_SLOW ? ['dist/**', 'node_modules/**'] : ['dist/**', 'node_modules/**', 'test/slow/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
