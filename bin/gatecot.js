#!/usr/bin/env node
// Entry point of the `gatecot` command: runs the compiled CLI from dist/.
//
// Dawn (the WebGPU implementation) writes its own warnings straight to file descriptor 2 from C++
// when it opens a device (on lavapipe: two "maxDynamic... artificially reduced" lines; without a
// Vulkan driver: "vkCreateInstance ..." and a C++ source location), where JavaScript cannot
// intercept them. A command that may open WebGPU therefore runs in a child process whose stderr
// passes through here with exactly those lines removed (GATECOT_DAWN_WARNINGS=1 shows them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('gatecot: not built yet; run `npm run build` (or `npm ci`) in the gatecot folder\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
const DAWN_LINE = /^(?:Warning: (?:maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced|vkCreateInstance)[^\n]*\n|\s+at CheckVkSuccessImpl \([^\n]*\n\n?)/gm;
const mayOpenWebGpu = argv.some((a) => /webgpu|auto/.test(a)) || argv[0] === 'doctor' || process.env.GATECOT_WEBGPU !== undefined;

if (process.env.GATECOT_CHILD || process.env.GATECOT_DAWN_WARNINGS || !mayOpenWebGpu) {
  const { runCli } = await import(main);
  process.exitCode = await runCli(argv);
} else {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, GATECOT_CHILD: '1' },
  });
  // Dawn writes each warning in one write; a chunk that holds one loses it, anything else
  // (progress lines without a newline included) passes at once.
  child.stderr.on('data', (chunk) => {
    const kept = chunk.toString('utf8').replace(DAWN_LINE, '');
    if (kept) process.stderr.write(kept);
  });
  // Ctrl-C reaches the child from the terminal itself; a signal sent to this process is passed on.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 70);
  });
}
