// The repository's real circuits for acceptance scripts: ../shared/circuits next to the checkout.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCircuitFile } from '../../dist/circuits/index.js';

export const sharedDir = new URL('../../../shared/circuits/', import.meta.url).pathname;

export function loadShared(rel) {
  const r = readCircuitFile(join(sharedDir, rel));
  if (!r.ok) throw r.error;
  return r.value;
}

/** Every ISCAS-85 circuit, by file name. */
export function iscas85() {
  return readdirSync(join(sharedDir, 'iscas85')).filter((f) => f.endsWith('.bench')).sort().map((f) => loadShared(join('iscas85', f)));
}

/** Bristol Fashion circuits by name (bristol/NAME.txt). */
export function bristol(names) {
  return names.map((f) => loadShared(join('bristol', `${f}.txt`)));
}
