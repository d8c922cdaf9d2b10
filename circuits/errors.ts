// Typed errors of the circuits module. Every message is one line; a location is file:line:col.

export interface SourceLoc {
  file?: string;
  line: number;
  col: number;
}

export type CircuitErrorKind =
  | 'syntax'
  | 'undefined-wire'
  | 'driven-twice'
  | 'cycle'
  | 'arity'
  | 'output-undriven'
  | 'empty'
  | 'unsupported'
  | 'value'
  | 'io';

import { UserError } from '../common/errors.js';

export { UserError };

export class CircuitError extends UserError {
  override name = 'CircuitError';
  readonly kind: CircuitErrorKind;
  readonly loc: SourceLoc | undefined;
  readonly detail: string;
  /** The format the content looks like, where it failed to parse as the one its name chose. */
  readonly looksLike: string | undefined;

  constructor(kind: CircuitErrorKind, detail: string, loc?: SourceLoc, looksLike?: string) {
    super(formatLocated(detail, loc));
    this.kind = kind;
    this.loc = loc;
    this.detail = detail;
    this.looksLike = looksLike;
  }

  /** The same error, located in `file` when it had no file yet. */
  inFile(file: string): CircuitError {
    if (this.loc?.file !== undefined) return this;
    return new CircuitError(this.kind, this.detail, { file, line: this.loc?.line ?? 1, col: this.loc?.col ?? 1 }, this.looksLike);
  }
}

function formatLocated(detail: string, loc?: SourceLoc): string {
  const oneLine = detail.replace(/\s*\n\s*/g, ' ');
  if (!loc) return oneLine;
  const where = `${loc.file ?? '<input>'}:${loc.line}:${loc.col}`;
  return `${where}: ${oneLine}`;
}

export type Result<T, E = CircuitError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** Runs `f`, turning a thrown CircuitError into a Result (other errors propagate: they are bugs). */
export function attempt<T>(f: () => T): Result<T> {
  try {
    return ok(f());
  } catch (e) {
    if (e instanceof CircuitError) return err(e);
    throw e;
  }
}

/** Shortens a name for an error message. */
export function quote(name: string): string {
  const s = name.length > 40 ? `${name.slice(0, 37)}...` : name;
  return `'${s.replace(/[^\x20-\x7e]/g, '?')}'`;
}
