// STUB: to be implemented.
import { CircuitError } from '../errors.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';

export function parseGc(src: ParserSource): Circuit {
  throw new CircuitError('unsupported', 'gc parser not implemented yet', { file: src.file ?? '<input>', line: 1, col: 1 });
}
