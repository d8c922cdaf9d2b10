// STUB: to be implemented.
import type { Circuit } from '../ir.js';

export function writeGc(c: Circuit): string {
  throw new Error(`gc writer not implemented yet (${c.name})`);
}
