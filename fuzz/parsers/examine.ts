// What one parse must be: it either gives a well-formed circuit, which the .gc writer prints and
// the .gc reader reads back to the same function, or it throws a UserError (CircuitError) whose
// message is one line starting with FILE:LINE:COL. Anything else is a problem:
//   crash        another exception (TypeError, RangeError: stack overflow, ...)
//   bad-error    a UserError on several lines, empty, or without its location
//   bad-circuit  the circuit breaks the IR's invariants (order, operands, outputs)
//   roundtrip    writing it as .gc and reading that back fails or changes the function
//                (checked on circuits of at most 50 000 wires)
//   hang         no answer within the time limit (runner.ts)
// This runs inside the parser worker (parse-worker.ts), so a hang or a crash there cannot stop
// the campaign.

import { evalMany, parseCircuitBytes, parseCircuitText, writeCircuit, type Circuit, type FormatName } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import { Rng } from '../../circuits/gen/prng.js';
import { circuitProblem } from '../../circuits/netlist.js';

export type ParseStatus = 'parsed' | 'rejected' | 'crash' | 'bad-error' | 'bad-circuit' | 'roundtrip' | 'hang';

export interface ParseOutcome {
  status: ParseStatus;
  /** The error message (rejected, bad-error, crash) or what went wrong. */
  message?: string;
  /** First lines of the stack of a crash. */
  stack?: string;
  ms: number;
}

export function isProblem(s: ParseStatus): boolean {
  return s !== 'parsed' && s !== 'rejected';
}

/** Vectors compared between a circuit and its .gc round trip. */
const ROUNDTRIP_VECTORS = 64;
/** Larger circuits (a mutated width can declare 2^20 wires) skip the round trip: it would
 * take seconds and test the writer on nothing new. */
const ROUNDTRIP_MAX_WIRES = 50_000;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stackHead(e: unknown): string | undefined {
  return e instanceof Error && e.stack ? e.stack.split('\n').slice(0, 12).join('\n') : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Why the .gc round trip of `c` differs from `c`, or undefined. */
function roundtripProblem(c: Circuit): string | undefined {
  const back = parseCircuitText(writeCircuit(c, 'gc'), { format: 'gc', file: 'roundtrip.gc' });
  const widths = (x: Circuit): string => `${x.inputs.map((g) => g.width).join(',')} -> ${x.outputs.map((g) => g.wires.length).join(',')}`;
  if (widths(back) !== widths(c)) return `the groups changed: ${widths(c)} became ${widths(back)}`;
  const rng = new Rng(1n);
  const vectors = Array.from({ length: ROUNDTRIP_VECTORS }, () => Uint8Array.from({ length: c.nInputs }, () => rng.nextU32() >>> 31));
  const outs = (x: Circuit) => evalMany(x, vectors, x.outputs.flatMap((o) => o.wires));
  const want = outs(c);
  const got = outs(back);
  const j = want.findIndex((w, i) => w.some((bit, k) => bit !== got[i]![k]));
  return j < 0 ? undefined : `the function changed (input ${Array.from(vectors[j]!).join('')})`;
}

export function examineParse(bytes: Uint8Array, format: FormatName, file: string): ParseOutcome {
  const t0 = performance.now();
  const done = (o: Omit<ParseOutcome, 'ms'>): ParseOutcome => ({ ...o, ms: performance.now() - t0 });
  let c: Circuit;
  try {
    c = parseCircuitBytes(bytes, { file, format });
  } catch (e) {
    if (!(e instanceof UserError)) return done({ status: 'crash', message: errorText(e), ...(stackHead(e) ? { stack: stackHead(e)! } : {}) });
    const msg = e.message;
    if (/[\r\n]/.test(msg)) return done({ status: 'bad-error', message: `a message on several lines: ${JSON.stringify(msg.slice(0, 300))}` });
    if (!new RegExp(`^${escapeRe(file)}:\\d+:\\d+: \\S`).test(msg)) return done({ status: 'bad-error', message: `a message without FILE:LINE:COL: ${msg.slice(0, 300)}` });
    return done({ status: 'rejected', message: msg });
  }
  const problem = circuitProblem(c);
  if (problem) return done({ status: 'bad-circuit', message: problem });
  if (c.nInputs + c.ops.length > ROUNDTRIP_MAX_WIRES) return done({ status: 'parsed' });
  try {
    const rt = roundtripProblem(c);
    if (rt) return done({ status: 'roundtrip', message: rt });
  } catch (e) {
    return done({ status: 'roundtrip', message: `the .gc text of the circuit does not parse: ${errorText(e)}`, ...(stackHead(e) ? { stack: stackHead(e)! } : {}) });
  }
  return done({ status: 'parsed' });
}
