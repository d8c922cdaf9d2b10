// Benchmarks read the shared circuits beside the checkout (GATECOT_SHARED overrides).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedPath(rel: string): string {
  const base = process.env.GATECOT_SHARED ?? join(root, '..', 'shared', 'circuits');
  const p = join(base, rel);
  if (!existsSync(p)) throw new Error(`${p} not found (set GATECOT_SHARED to the shared circuits folder)`);
  return p;
}
