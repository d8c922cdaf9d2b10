// Benchmarks read the shared circuits beside the checkout (GATECOT_SHARED overrides), and their
// options from the command line (--name value, --flag).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCircuitFile, type Circuit } from '../circuits/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedPath(rel: string): string {
  const base = process.env.GATECOT_SHARED ?? join(root, '..', 'shared', 'circuits');
  const p = join(base, rel);
  if (!existsSync(p)) throw new Error(`${p} not found (set GATECOT_SHARED to the shared circuits folder)`);
  return p;
}

/** A shared circuit, by its path under the shared circuits folder. */
export function loadShared(rel: string): Circuit {
  const r = readCircuitFile(sharedPath(rel));
  if (!r.ok) throw r.error;
  return r.value;
}

/** The value after --name on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Whether --name is on the command line. */
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);
