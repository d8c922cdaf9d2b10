// Preloaded by bench/viewer.ts (node --import) into the command it measures: at exit, writes
// the process's own resource usage (CPU time, peak RSS) as JSON to $GATECOT_RUSAGE.
import { writeFileSync } from 'node:fs';

const path = process.env.GATECOT_RUSAGE;
if (path) process.on('exit', () => writeFileSync(path, JSON.stringify(process.resourceUsage())));
