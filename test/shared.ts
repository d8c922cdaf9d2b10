// Where the shared benchmark circuits live: ../shared/circuits beside the checkout
// (GATECOT_SHARED overrides). Tests need them; a missing folder fails loudly.

import { existsSync, readFileSync } from 'node:fs';
import { readCircuitFile, type Circuit } from '../circuits/index.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const sharedCircuits = process.env.GATECOT_SHARED
  ? resolve(process.env.GATECOT_SHARED)
  : resolve(repoRoot, '..', 'shared', 'circuits');

if (!existsSync(sharedCircuits)) {
  throw new Error(`shared circuits not found at ${sharedCircuits} (set GATECOT_SHARED)`);
}

export function shared(rel: string): string {
  return join(sharedCircuits, rel);
}

export interface Vector {
  file: string;
  encoding: 'lsb0' | 'msb0';
  inputs: string[];
  outputs: string[];
  source?: string;
}

export interface TestVectors {
  vectors: Vector[];
  named_vectors: Record<string, unknown>[];
}

export function testVectors(): TestVectors {
  return JSON.parse(readFileSync(shared('test-vectors.json'), 'utf8')) as TestVectors;
}

/** A shared circuit file, parsed (the test fails with the reader's error if it cannot be). */
export function loadShared(rel: string): Circuit {
  const r = readCircuitFile(shared(rel));
  if (!r.ok) throw r.error;
  return r.value;
}
