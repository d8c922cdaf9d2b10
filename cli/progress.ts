// Progress of long work (verify, run, certify) on stderr: on a terminal a bar with rate and ETA,
// redrawn at most ten times a second; off a terminal (a log, CI) a plain line every LINE_EVERY
// seconds, the first only once the work has run that long, so quick commands print nothing.
// Once the rate is known, work projected to take more than a minute gets ONE line with the
// estimate and the faster option the caller names.

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
    private readonly total: number,
    /** What to say to a user facing a long wait: "--backend webgpu, or fewer --samples". */
    private readonly faster?: string,
  ) {}

  update(done: number): void {
    const now = performance.now();
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    if (!this.warned && done > 0 && done < this.total && secs + eta > LONG) {
      this.warned = true;
      this.clear();
      this.io.err(`${this.what}: about ${duration(secs + eta)} for ${this.total} ${this.unit}${this.faster ? `; faster: ${this.faster}` : ''}\n`);
    }
    if (this.io.isTTY) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const filled = this.total > 0 ? Math.min(BAR, Math.round((BAR * done) / this.total)) : 0;
      this.io.err(`\r${this.what} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${done}/${this.total} ${this.unit}  ${rate.toFixed(rate < 10 ? 2 : 0)}/s  ETA ${done < this.total ? duration(eta) : '0 s'}\x1b[K`);
      this.shown = true;
    } else if (secs - this.lastLine >= LINE_EVERY && done < this.total) {
      this.lastLine = secs;
      this.io.err(`${this.what}: ${done}/${this.total} ${this.unit} (${((100 * done) / Math.max(1, this.total)).toFixed(0)}%), ${rate.toFixed(rate < 10 ? 2 : 0)} ${this.unit}/s, about ${duration(eta)} left\n`);
    }
  }

  /** Clears the bar (call before printing results). */
  clear(): void {
    if (!this.shown) return;
    this.io.err('\r\x1b[K');
    this.shown = false;
  }
}
