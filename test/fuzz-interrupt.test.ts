// Ctrl-C during a circuit fuzz campaign on the CPU reference: the built CLI, sent SIGINT while
// it runs, must stop after the current case, print its summary (stopped by "interrupted") and
// exit 130 within a few seconds. The CPU checks never wait for anything, so this fails when the
// campaign does not give the event loop a turn (the signal handler would never run).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './shared.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from SIGINT to exit. */
  afterInterrupt: number;
}

/** Runs the built CLI, sends SIGINT once it has run `cases` cases (and `delayMs` passed), kills it 20 s later. */
function interruptAfter(args: string[], cases: number, delayMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'gatecot.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const t0 = Date.now();
    let killer: NodeJS.Timeout | undefined;
    const interrupt = (): void => {
      if (sentAt) return;
      sentAt = Date.now();
      child.kill('SIGINT');
      killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const seen = stdout.split('\n').filter((l) => l.includes('"event":"case"')).length;
      if (seen >= cases && Date.now() - t0 >= delayMs) interrupt();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, afterInterrupt: sentAt ? Date.now() - sentAt : -1 });
    });
  });
}

describe('Ctrl-C stops a circuit campaign', () => {
  it('on the CPU: within seconds, with the summary and exit 130', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gatecot-int-')), 'findings');
    const r = await interruptAfter(['fuzz', '--count', '100000', '--gates', '1..20', '--backend', 'cpu', '--json', '--out', out], 5, 3000);
    expect(r.afterInterrupt, r.stderr).toBeGreaterThan(0);
    expect(r.signal, 'killed: SIGINT was ignored').toBeNull();
    expect(r.afterInterrupt).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted: stopping after this case/);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines[lines.length - 1]!;
    const cases = lines.filter((l) => l.event === 'case');
    expect(summary).toMatchObject({ event: 'summary', stopped_by: 'interrupted', failed_cases: 0, backend: 'cpu' });
    expect(summary.cases).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(5);
    expect(cases.length).toBeLessThan(100000);
    expect(cases.every((c) => c.backend === 'cpu')).toBe(true);
  }, 60_000);

  it('a uniform campaign too: after the current case, with the summary and exit 130', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gatecot-int-')), 'findings');
    const r = await interruptAfter(['fuzz', '--mode', 'uniform', '--count', '100000', '--gates', '1..20', '--inputs', '0..8', '--backend', 'cpu', '--json', '--out', out], 3, 2000);
    expect(r.signal, 'killed: SIGINT was ignored').toBeNull();
    expect(r.afterInterrupt).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(130);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[lines.length - 1]).toMatchObject({ event: 'summary', mode: 'uniform', capacity: 28, stopped_by: 'interrupted', failed_cases: 0 });
  }, 60_000);
});
