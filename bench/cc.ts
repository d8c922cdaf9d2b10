// Compiling the benchmarks' C references (bench/c/*.c) with the machine's C compiler into a
// temporary folder: `cc -O3 -march=native`. Where no cc is on the PATH the caller is told why
// and skips its C figure with a line.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout: the first folder above this file (bench/ or dist/bench/) with a package.json. */
export function checkoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The C compiler's first line of --version, or undefined where there is none. */
export function ccVersion(): string | undefined {
  try {
    return execFileSync('cc', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return undefined;
  }
}

export interface Compiled {
  /** The executable. */
  exe: string;
  /** The folder it is in (remove it with done()). */
  dir: string;
  flags: string[];
  done(): void;
}

/** Compiles bench/c/<name>.c with -O3 -march=native (and `extra`); an Error says why not. */
export function compileC(name: string, extra: string[] = []): Compiled | Error {
  if (!ccVersion()) return new Error('no C compiler (cc) on the PATH');
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-cc-'));
  const exe = join(dir, name);
  const flags = ['-O3', '-march=native', ...extra];
  try {
    execFileSync('cc', [...flags, '-o', exe, join(checkoutRoot(), 'bench', 'c', `${name}.c`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0] ?? String(e);
    return new Error(`cc ${flags.join(' ')} ${name}.c failed: ${stderr}`);
  }
  return { exe, dir, flags, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs an executable and returns its standard output. */
export function runExe(exe: string, args: string[]): string {
  return execFileSync(exe, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
}
