// Running the CLI in-process (the same runCli the `gatecot` binary calls) and as a process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../cli/main.js';
import { captureIo } from '../cli/io.js';
import { repoRoot } from './shared.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Runs the built binary (dist/ must be built: `npm test` builds first). */
export function cliProcess(argv: string[], timeoutMs = 60_000): CliResult & { signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'gatecot.js'), ...argv], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Runs the CLI in-process with GATECOT_WEBGPU set as given, or unset (restored afterwards). */
export async function cliWithWebgpu(args: string[], webgpu?: string): Promise<{ code: number; out: string; err: string }> {
  const saved = process.env.GATECOT_WEBGPU;
  if (webgpu === undefined) delete process.env.GATECOT_WEBGPU;
  else process.env.GATECOT_WEBGPU = webgpu;
  try {
    const r = await cli(...args);
    return { code: r.code, out: r.stdout, err: r.stderr };
  } finally {
    if (saved === undefined) delete process.env.GATECOT_WEBGPU;
    else process.env.GATECOT_WEBGPU = saved;
  }
}

/** The JSON lines of `kind` events in a --json output. */
export function jsonEvents(stdout: string, kind: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === kind);
}

/** `fuzz ARGS --json` whole and as shards 1/3, 2/3, 3/3: each case line's key, per run. */
export async function fuzzShards(args: string[], key: (e: Record<string, unknown>) => string): Promise<{ whole: string[]; parts: string[][] }> {
  const whole = jsonEvents((await cli(...args)).stdout, 'case').map(key);
  const parts: string[][] = [];
  for (const s of ['1/3', '2/3', '3/3']) parts.push(jsonEvents((await cli(...args, '--shard', s)).stdout, 'case').map(key));
  return { whole, parts };
}
