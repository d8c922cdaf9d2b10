// Progress of long work (verify, run, certify, trace, fuzz) on stderr: on a terminal a bar with
// rate and ETA, redrawn at most ten times a second; off a terminal (a log, CI) a plain line every
// LINE_EVERY seconds, the first only once the work has run that long, so quick commands print
// nothing. Once the rate is known, work projected to take more than a minute gets ONE line with
// the estimate and the faster option the caller names. Work of unknown size (a fuzz campaign
// with a time budget) shows its count, rate and elapsed time.

import type { Io } from './io.js';

const BAR = 24;
const LINE_EVERY = 10;
const LONG = 60;

export function duration(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  if (secs < 90) return `${Math.max(1, Math.round(secs))} s`;
  if (secs < 5400) return `${Math.round(secs / 60)} min`;
  return `${(secs / 3600).toFixed(1)} h`;
}

export interface ProgressMode {
  /** false: nothing is drawn (the command prints its own lines, e.g. fuzz with --json or off a
   *  terminal). Default true. */
  enabled?: boolean;
}

export class WorkProgress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private lastLine = 0;
  private shown = false;
  private warned = false;

  constructor(
    private readonly io: Io,
    private readonly what: string,
    private readonly unit: string,
    /** Undefined: work of unknown size (no bar, no ETA). */
    private readonly total: number | undefined,
    /** What to say to a user facing a long wait: "--backend webgpu, or fewer --samples". */
    private readonly faster?: string,
    private readonly mode: ProgressMode = {},
  ) {}

  /** `status`: a short note after the rate ("2 failures"); `force`: draw now (a final count). */
  update(done: number, status?: string, force = false): void {
    if (this.mode.enabled === false) return;
    const now = performance.now();
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const total = this.total;
    const finished = total !== undefined && done >= total;
    const eta = rate > 0 && total !== undefined ? (total - done) / rate : Infinity;
    const note = status ? `  ${status}` : '';
    const perSec = `${rate.toFixed(rate < 10 ? 2 : 0)} ${this.unit}/s`;
    if (!this.warned && total !== undefined && done > 0 && !finished && secs + eta > LONG) {
      this.warned = true;
      this.clear();
      this.io.err(`${this.what}: about ${duration(secs + eta)} for ${total} ${this.unit}${this.faster ? `; faster: ${this.faster}` : ''}\n`);
    }
    if (this.io.isTTY) {
      if (!force && now - this.lastDraw < 100 && !finished) return;
      this.lastDraw = now;
      let head = `${done} ${this.unit}`;
      let tail = `${duration(secs)}`;
      if (total !== undefined) {
        const filled = total > 0 ? Math.min(BAR, Math.round((BAR * done) / total)) : 0;
        head = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${done}/${total} ${this.unit}`;
        tail = `ETA ${finished ? '0 s' : duration(eta)}`;
      }
      this.io.err(`\r${this.what} ${head}  ${perSec}${note}  ${tail}\x1b[K`);
      this.shown = true;
    } else if (secs - this.lastLine >= LINE_EVERY && !finished) {
      this.lastLine = secs;
      const of = total !== undefined ? `${done}/${total} ${this.unit} (${((100 * done) / Math.max(1, total)).toFixed(0)}%)` : `${done} ${this.unit}`;
      this.io.err(`${this.what}: ${of}, ${perSec}${status ? `, ${status}` : ''}, ${total !== undefined ? `about ${duration(eta)} left` : `${duration(secs)} so far`}\n`);
    }
  }

  /** Clears the bar (call before printing results). */
  clear(): void {
    if (!this.shown) return;
    this.io.err('\r\x1b[K');
    this.shown = false;
  }
}
