// Seed files of the parser fuzzer: small valid files of every format, some written by hand (to
// reach comments, multi-input gates, covers with '-', tests, headers), some encoded from
// circuits (writers of gatecot and encode.ts), and any files of a corpus folder.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat, writeCircuit, type Circuit, type FormatName } from '../../circuits/index.js';
import { generate } from '../../circuits/gen/index.js';
import { writeAag, writeAig, writeBench, writeBlif } from '../../circuits/writers/netlists.js';

export interface SeedFile {
  /** A label for reports: `builtin:<name>` or the corpus path. */
  name: string;
  format: FormatName;
  bytes: Uint8Array;
}

/** File extension of each format (Bristol files are .txt). */
export const FORMAT_EXT: Record<FormatName, string> = {
  gc: 'gc', bristol: 'txt', 'bristol-old': 'txt', aag: 'aag', aig: 'aig', bench: 'bench', blif: 'blif', cvp: 'cvp', verilog: 'v',
};

const GC = `// 2-bit adder: s = a + b
circuit add2;
input a[2], b[2];
output s[3];
/* carry of the low bits */
t = a[0] & b[0];
s[0] = a[0] ^ b[0];
s[1] = XOR(a[1], b[1], t);
s[2] = a[1] & b[1] | t & (a[1] ^ b[1]);
u = ~(NAND(a[0], 1) | NOR(b[1], 0x0, CONST1()));
test a=0x3 b=0x1 -> s=0x4;
test a=0b10 b=2 -> s=4;
`;

const BRISTOL_OLD = `4 8
2 2 2

2 1 0 2 4 XOR
2 1 0 2 5 AND
2 1 1 3 6 XOR
2 1 6 5 7 XOR
`;

const BENCH = `# c17
INPUT(G1gat)
INPUT(G2gat)
INPUT(G3gat)
INPUT(G6gat)
INPUT(G7gat)
OUTPUT(G22gat)
OUTPUT(G23gat)

G10gat = nand(G1gat, G3gat)
G11gat = NAND(G3gat, G6gat)
G16gat = nand(G2gat, G11gat)
G19gat = AND(G11gat, G7gat, G1gat)
G22gat = nand(G10gat, G16gat)
G23gat = BUFF(G19gat)
`;

const BLIF = `# covers with don't-cares, an off-set and constants
.model cover
.inputs a b c
.outputs x y z k
.names a b c x
1-1 1
01- 1
.names a b y
00 0
.names z
.names k
1
.end
`;

const AAG = `aag 7 2 0 2 3
2
4
6
12
6 13 15
12 2 4
14 3 5
i0 x
i1 y
o0 s
o1 c
c
half adder
`;

const CVP = `# a full adder on the constants 1, 0, 1, with gatecot's extra types
# output s 9
# output c 8
# output both 9 11
TRUE NA NA 1 FALSE NA NA 2
TRUE NA NA 3
XOR 1 2 4 XOR 4 3 5 AND 1 2 6
AND 4 3 7 OR 6 7 8 BUF 5 NA 9
NAND 6 7 10 NOT 10 NA 11
`;

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A small random circuit without constants (.bench cannot write those without an input). */
function sample(): Circuit {
  return generate('random', { inputs: '5', gates: '14', seed: '7', mix: 'AND=2,OR=2,XOR=2,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1', locality: '0.5' });
}

export function builtinSeeds(): SeedFile[] {
  const adder = generate('adder', { width: '2' });
  const rnd = sample();
  const seeds: SeedFile[] = [
    { name: 'builtin:add2.gc', format: 'gc', bytes: text(GC) },
    { name: 'builtin:random.gc', format: 'gc', bytes: text(writeCircuit(rnd, 'gc')) },
    { name: 'builtin:adder2.txt', format: 'bristol', bytes: text(writeCircuit(adder, 'bristol')) },
    { name: 'builtin:random.txt', format: 'bristol', bytes: text(writeCircuit(rnd, 'bristol')) },
    { name: 'builtin:old.txt', format: 'bristol-old', bytes: text(BRISTOL_OLD) },
    { name: 'builtin:halfadder.aag', format: 'aag', bytes: text(AAG) },
    { name: 'builtin:adder2.aag', format: 'aag', bytes: text(writeAag(adder)) },
    { name: 'builtin:random.aig', format: 'aig', bytes: writeAig(rnd) },
    { name: 'builtin:adder2.aig', format: 'aig', bytes: writeAig(adder) },
    { name: 'builtin:c17.bench', format: 'bench', bytes: text(BENCH) },
    { name: 'builtin:random.bench', format: 'bench', bytes: text(writeBench(rnd)) },
    { name: 'builtin:cover.blif', format: 'blif', bytes: text(BLIF) },
    { name: 'builtin:random.blif', format: 'blif', bytes: text(writeBlif(rnd)) },
    { name: 'builtin:adder.cvp', format: 'cvp', bytes: text(CVP) },
    { name: 'builtin:instance.cvp', format: 'cvp', bytes: text(writeCircuit(generate('cvp-instance', { gates: '24', seed: '3' }), 'cvp')) },
  ];
  return seeds;
}

const CIRCUIT_EXT = /\.(gc|txt|bristol|aag|aig|bench|blif|cvp)$/i;
/** Larger files make slow mutants without reaching more of a reader. */
const MAX_CORPUS_FILE = 256 * 1024;

/** Circuit files of a folder (recursively, sorted by path, at most 256 KB each). */
export function corpusSeeds(dir: string): SeedFile[] {
  const out: SeedFile[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (CIRCUIT_EXT.test(f) && st.size <= MAX_CORPUS_FILE) {
        const bytes = readFileSync(p);
        out.push({ name: p, format: detectFormat(p, bytes), bytes });
      }
    }
  };
  walk(dir);
  return out;
}
