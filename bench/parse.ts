// Benchmark (not a test): how fast the readers, the .gc writer and the random generator are on
// large inputs — the speed goals that used to be timed assertions in the tests (which flake on
// two busy cores). Each row: best of 3 wall-clock times, and the goal it is meant to meet.
// Usage: npm run bench:parse

import { readFileSync } from 'node:fs';
import { readCircuitFile } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { parseAag, parseAig } from '../circuits/parsers/aiger.js';
import { parseGc } from '../circuits/parsers/gc.js';
import { sourceFromBytes, sourceFromText } from '../circuits/source.js';
import { writeGc } from '../circuits/writers/gc.js';
import { sharedPath } from './paths.js';

function best(f: () => unknown): number {
  let t = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    try {
      f();
    } catch {
      // refusals are part of what is timed
    }
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const lines = ['input a[8];', 'output o;', 'w0 = a[0];'];
for (let i = 1; i <= 1e5; i++) lines.push(`w${i} = w${i - 1} ^ a[${i % 8}];`);
lines.push('o = w100000;');
const statements = lines.join('\n');
const nested = `input a; output o; o = ${'('.repeat(1e5)}a${')'.repeat(1e5)};`;
const sha = readCircuitFile(sharedPath('bristol/sha256.txt'));
if (!sha.ok) throw sha.error;
const hyp = ['aag', 'aig'].map((ext) => readFileSync(sharedPath(`epfl/arithmetic/hyp.${ext}`)));

const rows: [string, number, number][] = [
  ['gen random, 10^5 gates', best(() => generate('random', { inputs: '64', gates: '100000', seed: '1', locality: '0.5' })), 1000],
  ['.gc: refuse 10^5 nested parentheses', best(() => parseGc(sourceFromText(nested, 'n.gc'))), 2000],
  ['.gc: parse 10^5 statements', best(() => parseGc(sourceFromText(statements, 's.gc'))), 6000],
  ['.gc: write sha256 (135k gates)', best(() => writeGc(sha.value)), 3000],
  ['aag: refuse a header promising 10^8 gates', best(() => parseAag(sourceFromText('aag 536870911 100000000 0 100000000 100000000\n2\n', 'x.aag'))), 1000],
  ['aag: parse hyp (214k ANDs)', best(() => parseAag(sourceFromBytes(hyp[0]!, 'hyp.aag'))), 8000],
  ['aig: parse hyp (214k ANDs)', best(() => parseAig(sourceFromBytes(hyp[1]!, 'hyp.aig'))), 8000],
];
console.log('| what | best of 3 | goal |\n| --- | --- | --- |');
for (const [what, ms, goal] of rows) console.log(`| ${what} | ${ms.toFixed(0)} ms | < ${goal} ms${ms < goal ? '' : ' (MISSED)'} |`);
