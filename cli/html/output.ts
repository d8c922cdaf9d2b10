// Refusing an existing --html file before the trace is computed (a large circuit takes minutes
// to trace); files.ts's writeOutput checks again when it writes.

import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';

export function refuseExistingPage(path: string | undefined, force: boolean): void {
  if (path !== undefined && !force && existsSync(path)) throw new UsageError(`${path} exists; pass --force to overwrite it`);
}
