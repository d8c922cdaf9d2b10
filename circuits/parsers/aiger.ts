// STUB: to be implemented.
import { CircuitError } from '../errors.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';

export function parseAag(src: ParserSource): Circuit {
  throw new CircuitError('unsupported', 'aag parser not implemented yet', { file: src.file ?? '<input>', line: 1, col: 1 });
}

export function parseAig(src: ParserSource): Circuit {
  throw new CircuitError('unsupported', 'aig parser not implemented yet', { file: src.file ?? '<input>', line: 1, col: 1 });
}
