// What every command receives: the output streams and a slot for its exit code.

import type { Io } from './io.js';

export interface CliContext {
  io: Io;
  code: number;
}
