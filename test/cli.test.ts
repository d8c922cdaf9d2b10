// CLI transcripts (golden files under test/golden; UPDATE_GOLDEN=1 rewrites them), exit codes
// and one-line errors.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalMany, evalOutputsOne, OP_NAMES, parseCircuitText, type Circuit } from '../circuits/index.js';
import { GENERATORS } from '../circuits/gen/index.js';
import { compile, type CompileOptions } from '../compiler/index.js';
import { CpuEngine, promptOf, sampleInputs } from '../runtime/index.js';
import { cli, cliProcess } from './cli-helpers.js';
import { loadShared, repoRoot, shared } from './shared.js';
import { bindModel } from '../model/index.js';

/** A transcript equals its golden file; a missing golden FAILS (UPDATE_GOLDEN=1 writes them). */
function golden(name: string, text: string): void {
  const path = join(repoRoot, 'test', 'golden', name);
  const normalized = text.replaceAll(repoRoot, '<repo>').replaceAll(shared(''), '<shared>/').replace(/\d+\.\d+ s\b/g, '<t> s')
    .replace(/\b\d+ threads?\b/g, '<n> threads') // the fast CPU kernel uses the machine's cores
    .replace(/\S*gatecot-demo-\w+/g, '<tmp>/gatecot-demo-XXXXXX');
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, normalized);
  if (!existsSync(path)) expect.fail(`golden file test/golden/${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli.test.ts and review it`);
  expect(normalized).toBe(readFileSync(path, 'utf8'));
}

/** Gate counts by type and depth, computed here from the IR (independent of circuits/stats.ts). */
function ownStats(c: Circuit): { gates: Record<string, number>; depth: number } {
  const gates: Record<string, number> = {};
  const depth = new Int32Array(c.nInputs + c.ops.length);
  c.ops.forEach((op, g) => {
    const name = OP_NAMES[op]!;
    gates[name] = (gates[name] ?? 0) + 1;
    depth[c.nInputs + g] = 1 + Math.max(c.a[g]! >= 0 ? depth[c.a[g]!]! : 0, c.b[g]! >= 0 ? depth[c.b[g]!]! : 0);
  });
  return { gates, depth: Math.max(0, ...depth) };
}

const hexOf = (bits: Uint8Array): string => BigInt('0b' + (Array.from(bits).reverse().join('') || '0')).toString(16);

/**
 * Each golden's values cross-checked against an independent source (direct evaluation, integer
 * arithmetic, counts from the IR), so a golden written from a wrong transcript cannot pass.
 */
const crossChecks: Record<string, (out: string) => void> = {
  'stats-c17.txt': (out) => {
    const st = ownStats(loadShared('iscas85/c17.bench'));
    expect(out).toContain(`gates    6 (NAND ${st.gates.NAND})`);
    expect(out).toMatch(new RegExp(`depth +${st.depth}\\n`));
  },
  'stats-c17.json': (out) => expect(JSON.parse(out)).toMatchObject(ownStats(loadShared('iscas85/c17.bench'))),
  'stats-aes128.json': (out) => expect(JSON.parse(out)).toMatchObject(ownStats(loadShared('bristol/aes_128.txt'))),
  'eval-adder64.txt': (out) => expect(out.trim()).toBe(((0x0123456789abcdefn + 0xfedcba9876543210n) % (1n << 64n)).toString(16)),
  'eval-c17-bits.txt': (out) => expect(out.trim()).toBe(Array.from(evalOutputsOne(loadShared('iscas85/c17.bench'), bitsOf('10110'))).join('')),
  // run --bits prints the output bits (first output wire first)
  'run-c17-cot.txt': (out) => expect(out.trim().split('\n').at(-1)).toBe(Array.from(evalOutputsOne(loadShared('iscas85/c17.bench'), bitsOf('10110'))).join('')),
  'run-c17-gate.txt': (out) => {
    const c = loadShared('iscas85/c17.bench');
    const wires = evalMany(c, [bitsOf('01101')])[0]!;
    const [, cot] = out.split('\n')[0]!.split(' | ');
    expect(cot).toBe(Array.from(wires.subarray(c.nInputs)).join(' '));
    expect(out.trim().split('\n').at(-1)).toBe(Array.from(evalOutputsOne(c, bitsOf('01101'))).join(''));
  },
  'verify-c17.txt': (out) => expect(out).toContain(`OK: ${2 ** 5} inputs, ${2 ** 5 * 6} CoT positions, 0 mismatches`),
  'trace-c17.txt': (out) => expect(out).toContain(`outputs ${hexOf(evalOutputsOne(loadShared('iscas85/c17.bench'), bitsOf('10110')))}: outputs match direct evaluation`),
  'trace-c17-gate.txt': (out) => expect(out).toContain('outputs match direct evaluation'),
  'gen-adder2.gc': (out) => {
    const c = parseCircuitText(out, { format: 'gc', file: 'adder2.gc', name: 'adder2' });
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
      const bits = Uint8Array.from([a & 1, a >> 1, b & 1, b >> 1]);
      expect(parseInt(hexOf(evalOutputsOne(c, bits)), 16), `${a} + ${b}`).toBe(a + b);
    }
  },
  'demo.txt': (out) => expect(out).toContain(`transformer s = 0x${(0x5b + 0x3c).toString(16).padStart(3, '0')}, direct evaluation s = 0x${(0x5b + 0x3c).toString(16).padStart(3, '0')}: equal`),
};

function bitsOf(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => Number(ch));
}

const c17 = shared('iscas85/c17.bench');
const FAMILIES = GENERATORS.map((g) => g.family).join(', ');

describe('golden transcripts', () => {
  const cases: [string, string[]][] = [
    ['stats-c17.txt', ['stats', c17]],
    ['stats-c17.json', ['stats', c17, '--json']],
    ['stats-aes128.json', ['stats', shared('bristol/aes_128.txt'), '--json']],
    ['eval-adder64.txt', ['eval', shared('bristol/adder64.txt'), '--input', '0123456789abcdef', '--input', 'fedcba9876543210']],
    ['eval-c17-bits.txt', ['eval', c17, '--bits', '10110']],
    ['run-c17-cot.txt', ['run', c17, '--bits', '10110', '--show-cot']],
    ['run-c17-gate.txt', ['run', c17, '--bits', '01101', '--cot', 'gate', '--show-cot']],
    ['verify-c17.txt', ['verify', c17, '--exhaustive', '--cot', 'gate']],
    ['trace-c17.txt', ['trace', c17, '--bits', '10110']],
    ['trace-c17-gate.txt', ['trace', c17, '--bits', '10110', '--cot', 'gate', '--gate', '4']],
    ['gen-adder2.gc', ['gen', 'adder', '--width', '2']],
    ['demo.txt', ['demo']],
  ];
  for (const [name, argv] of cases) {
    it(name, async () => {
      const r = await cli(...argv);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      golden(name, r.stdout);
      crossChecks[name]!(r.stdout);
    });
  }
  it('every golden file has a cross-check against an independent source', () => {
    expect(Object.keys(crossChecks).sort()).toEqual(cases.map(([n]) => n).sort());
  });
});

describe('verify --json', () => {
  it('has the documented keys', async () => {
    const r = await cli('verify', c17, '--json', '--samples', '3');
    const j = JSON.parse(r.stdout);
    for (const k of ['ok', 'inputs_tested', 'positions_checked', 'mismatches', 'backend', 'arith', 'seconds', 'model']) expect(j).toHaveProperty(k);
    expect(j.model).toEqual({ layers: 1, heads: 2, heads_per_layer: [2], d_model: 26, seq_len: 30, vocab_size: 14 });
    expect(j.mode).toBe('positional');
    expect(j.prompt_length).toBe(6);
    expect(j.inputs_tested).toBe(5);
    expect(j.positions_checked).toBe(5 * 24);
    expect(j.ok).toBe(true);
  });
  it('exits 1 and names the first wrong position when the model is wrong', async () => {
    const r = await cli('verify', c17, '--json', '--arith', 'fixed:1');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.first_mismatch.position).toBeGreaterThan(0);
    expect(j.first_mismatch.heads).toHaveLength(2);
  });
  it('first_mismatch: the wrong token lands at token_position = position + 1, the position the text names', async () => {
    const c = loadShared('iscas85/c17.bench');
    const cases: [string[], CompileOptions, string][] = [
      [['--arith', 'fixed:1'], {}, 'fixed:1'],
      [['--cot', 'gate', '--inject-fault', 'off-by-one'], { cot: 'gate', fault: 'off-by-one' }, 'f32'],
    ];
    for (const [flags, opts, arith] of cases) {
      const r = await cli('verify', c17, '--json', ...flags);
      expect(r.code).toBe(1);
      const f = JSON.parse(r.stdout).first_mismatch;
      expect(f.token_position).toBe(f.position + 1);
      const text = await cli('verify', c17, ...flags);
      expect(text.stdout).toContain(`first: input ${f.input} (bits ${f.bits}: trace it with --bits), position ${f.token_position} holds '${f.produced}' where '${f.expected}' was expected`);
      // The model, generating freely on that input, writes the wrong token at token_position
      // after agreeing with the correct model on everything before.
      const bits = sampleInputs(c.nInputs, 16, 1n)[f.input]!;
      const bad = compile(c, opts);
      const good = compile(c, { cot: opts.cot ?? '4tok' });
      const [b] = new CpuEngine(bad, arith).generateSync([promptOf(bindModel(bad), bits)], bindModel(bad).seq.cotLength);
      const [g] = new CpuEngine(good, 'f32').generateSync([promptOf(bindModel(good), bits)], bindModel(good).seq.cotLength);
      expect(Array.from(b!.slice(0, f.token_position))).toEqual(Array.from(g!.slice(0, f.token_position)));
      expect(bad.vocab[b![f.token_position]!]).toBe(f.produced);
      expect(good.vocab[g![f.token_position]!]).toBe(f.expected);
    }
  });
});

describe('embedded tests and writing files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-cli-'));
  it('gatecot test passes good tests and fails bad ones with exit 1', async () => {
    const good = join(dir, 'good.gc');
    writeFileSync(good, 'input a[2], b[2]; output s[2];\ns[0] = a[0] ^ b[0];\ns[1] = a[1] ^ b[1] ^ (a[0] & b[0]);\ntest a=1 b=1 -> s=2;\ntest a=0x3 b=0x2 -> s=1;\n');
    const r = await cli('test', good);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 passed, 0 failed');
    const bad = join(dir, 'bad.gc');
    writeFileSync(bad, 'input a; output s;\ns = ~a;\ntest a=1 -> s=1;\n');
    const r2 = await cli('test', bad);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toContain('FAIL line 3');
  });
  it('convert writes .gc and Bristol and refuses to overwrite without --force', async () => {
    const out = join(dir, 'c17.gc');
    expect((await cli('convert', c17, '-o', out)).code).toBe(0);
    const again = await cli('convert', c17, '-o', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect((await cli('convert', c17, '-o', out, '--force')).code).toBe(0);
    const bristol = join(dir, 'c17.txt');
    const wrote = await cli('convert', out, '-o', bristol);
    expect(wrote.code).toBe(0);
    for (const bits of ['00000', '10110', '11111', '01001']) {
      const a = await cli('eval', c17, '--bits', bits);
      const b = await cli('eval', bristol, '--bits', bits);
      expect(b.stdout).toBe(a.stdout);
    }
    // The gate counts reported are those of the files written (Bristol lowers NAND into AND + INV).
    const gates = async (f: string): Promise<number> => JSON.parse((await cli('stats', f, '--json')).stdout).total_gates;
    expect(await gates(bristol)).toBe(12);
    expect(wrote.stdout).toBe(`wrote ${bristol} (bristol, 12 gates: the circuit's 6, lowered to XOR, AND, INV, EQ and EQW)\n`);
    const gc = join(dir, 'c17-again.gc');
    expect((await cli('convert', bristol, '-o', gc)).stdout).toBe(`wrote ${gc} (gc, 12 gates)\n`);
    expect(await gates(gc)).toBe(12);
    const add = join(dir, 'add4.txt');
    const gen = await cli('gen', 'adder', '--width', '4', '-o', add);
    expect(gen.stdout).toBe(`wrote ${add} (adder, 8 inputs, ${await gates(add)} gates: the circuit's 17, lowered to XOR, AND, INV, EQ and EQW)\n`);
    const addGc = join(dir, 'add4.gc');
    expect((await cli('gen', 'adder', '--width', '4', '-o', addGc)).stdout).toBe(`wrote ${addGc} (adder, 8 inputs, ${await gates(addGc)} gates)\n`);
  });
  it('compile writes a model that run and verify accept', async () => {
    const m = join(dir, 'c17.safetensors');
    expect((await cli('compile', c17, '-o', m, '--cot', 'gate')).code).toBe(0);
    const r = await cli('run', m, '--bits', '10110');
    expect(r.stdout.trim()).toBe('10');
    expect((await cli('verify', m, '--exhaustive')).code).toBe(0);
    const bad = await cli('run', m, '--bits', '10110', '--cot', 'gate');
    expect(bad.code).toBe(2);
  });
});

describe('bad input: one line, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['stats', '/nonexistent/x.bench'], /cannot read \/nonexistent\/x.bench: no such file/],
    [['eval', c17, '--input', '1', '--input', '2'], /^gatecot: --input: expected 1 input value\(s\), one per input group \(in\[5\]\), got 2\n$/],
    [['eval', c17, '--input', 'zz'], /is not a hex number/],
    [['eval', c17, '--input', '40'], /does not fit in 5 bits/],
    [['eval', c17, '--bits', '101'], /--bits: 3 bits given, the circuit has 5 input wires/],
    [['eval', c17, '--order', 'big'], /--order must be lsb0 or msb0/],
    [['stats', c17, '--format', 'vhdl'], /unknown --format 'vhdl'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [[], /^gatecot: missing command; run 'gatecot --help' for the list\n$/],
    [['gen', 'bogus'], new RegExp(`^gatecot: unknown family 'bogus'; the families are ${FAMILIES}\n$`)],
    [['gen', 'bogus', '--width', '3'], /unknown family 'bogus'/],
    [['gen'], new RegExp(`^gatecot: gen needs a family: ${FAMILIES}\n$`)],
    [['gen', '--width', '3', 'adder'], /gen needs a family before its options/],
    [['stats'], /missing required argument 'file'/],
    [['verify', c17, '--arith', 'fixed:x'], /unknown arithmetic 'fixed:x'/],
    [['verify', c17, '--cot', '3tok'], /--cot must be 4tok or gate/],
    [['verify', shared('bristol/adder64.txt'), '--exhaustive'], /--exhaustive covers at most 20 inputs/],
    [['gen', 'adder', '--width', 'x'], /^gatecot: --width must be an integer from 1 to 4096, got 'x'\n$/],
    // The library's errors name options (OptionError: 'mix', 'shard'); the CLI words them with its flags.
    [['gen', 'random', '--mix', 'FOO=1'], /^gatecot: --mix: unknown op 'FOO' \(ops: /],
    [['fuzz', '--gate-mix', 'AND=0', '--count', '1', '--backend', 'cpu'], /^gatecot: --gate-mix gives every op weight 0\n$/],
    [['fuzz', '--locality', '2', '--count', '1', '--backend', 'cpu'], /^gatecot: --locality must be a number from 0 to 1, got '2'\n$/],
    [['fuzz', '--gates', '9..2', '--count', '1', '--backend', 'cpu'], /^gatecot: --gates must be A\.\.B \(or one number\)/],
    [['fuzz', '--shard', '4/3', '--count', '1', '--backend', 'cpu'], /^gatecot: --shard must be I\/N with 1 <= I <= N \(e\.g\. 2\/8\), got '4\/3'\n$/],
    [['experiment', '--shard', 'x'], /^gatecot: --shard must be I\/N/],
    [['fuzz', '--mode', 'uniform', '--model', c17, '--count', '1', '--backend', 'cpu'], /^gatecot: --model: /],
    [['gen', 's5', '--tree', 'false'], /^gatecot: too many arguments for 's5'\. Expected 0 arguments but got 1\.\n$/],
    [['stats', shared('aiger/toggle.aag')], /sequential AIGER/],
  ];
  for (const [argv, re] of cases) {
    it(argv.join(' ').replaceAll(shared(''), ''), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    });
  }
  it('help: --help prints every command and exits 0; so does gen help FAMILY', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    expect(h.stderr).toBe('');
    for (const cmd of ['stats', 'eval', 'convert', 'compile', 'run', 'verify', 'trace', 'gen', 'demo']) expect(h.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    const g = await cli('gen', 'help', 'adder');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^Usage: gatecot gen adder \[options\]/);
    expect(g.stdout).toContain('--width');
    expect(FAMILIES.split(', ').length).toBeGreaterThan(7);
    expect((await cli('gen', 'help', 's5')).stdout).toMatch(/^  --tree +compose as a balanced binary tree/m);
  });
  it('gen s5 --tree: a switch without a value', async () => {
    const r = await cli('gen', 's5', '--count', '3', '--tree');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^circuit s5_tree_m3;\n/);
    expect((await cli('gen', 's5', '--count', '3')).stdout).toMatch(/^circuit s5_m3;\n/);
  });
  it('the binary itself exits 2 with one line and no stack trace', () => {
    const r = cliProcess(['eval', c17, '--input', 'nothex']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const none = cliProcess([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe("gatecot: missing command; run 'gatecot --help' for the list\n");
    const ok = cliProcess(['eval', c17, '--bits', '10110']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('10\n');
  });
});

describe('certify, check-cert and scaling from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-cert-'));
  const c432 = shared('iscas85/c432.bench');
  it('certify prints the claims, exits 0 and writes a certificate that check-cert accepts', async () => {
    const cert = join(dir, 'c432.cert.json');
    const model = join(dir, 'c432.safetensors');
    expect((await cli('compile', c432, '-o', model)).code).toBe(0);
    const r = await cli('certify', model, '--arith', 'fixed:2', '-o', cert);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/retrieval lemma +yes/);
    expect(r.stdout).toContain('verdict: CERTIFIED for every input');
    const j = JSON.parse(readFileSync(cert, 'utf8'));
    expect(j.verdict).toBe(true);
    expect(j.margins.length).toBe(j.seq_len - j.first_position - 1);
    const ok = await cli('check-cert', cert, model);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^check-cert: OK/);
    // edit one margin: rejected, exit 1
    j.margins[3] += 1;
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(j));
    const bad = await cli('check-cert', join(dir, 'edited.json'), model);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('REJECTED');
    // certify refuses to overwrite the certificate without --force
    const again = await cli('certify', model, '-o', cert);
    expect(again.code).toBe(2);
  });
  it('certify exits 1 on a miscompiled model and names the first failing claim and position', async () => {
    const r = await cli('certify', c432, '--inject-fault', 'off-by-one');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/retrieval lemma fails at position \d+/);
    expect(r.stdout).toContain('verdict: NOT CERTIFIED');
  });
  it('scaling writes a table and SVG plots', async () => {
    const out = join(dir, 'scaling');
    const r = await cli('scaling', '--sizes', '16,64', '-o', out);
    expect(r.code).toBe(0);
    for (const f of ['scaling.md', 'scaling.json', 'dmodel.svg', 'margin.svg', 'precision.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'dmodel.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const rows = JSON.parse(readFileSync(join(out, 'scaling.json'), 'utf8')) as { d_model: number; d_formula: number; min_fixed_s: number }[];
    expect(rows.map((x) => x.min_fixed_s)).toEqual([2, 2]);
    for (const x of rows) expect(x.d_model).toBe(x.d_formula);
  });
  it('scaling --mode uniform: capacities in powers of two, a table, JSON and SVG plots; existing files refused before any work', async () => {
    const out = join(dir, 'scaling-uniform');
    const r = await cli('scaling', '--mode', 'uniform', '--sizes', '16..32', '--verify-max', '16', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/min_fixed_s \(verified\)/);
    for (const f of ['scaling.md', 'scaling.json', 'dmodel.svg', 'compile.svg', 'filesize.svg', 'verify.svg', 'margin.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const rows = JSON.parse(readFileSync(join(out, 'scaling.json'), 'utf8')) as { capacity: number; d_model: number; d_formula: number; min_fixed_s: number | null; note: string }[];
    expect(rows.map((x) => x.capacity)).toEqual([16, 32]);
    expect(rows.map((x) => x.min_fixed_s)).toEqual([2, null]);
    expect(rows[1]!.note).toBe('not verified: N > --verify-max 16');
    for (const x of rows) expect(x.d_model).toBe(x.d_formula);
    expect(readFileSync(join(out, 'scaling.md'), 'utf8')).toMatch(/pos_emb 1 \+ 8N rows and a vocabulary of N \+ 14 tokens/);
    // A second run refuses at once (nothing computed: no per-size progress line).
    const again = await cli('scaling', '--mode', 'uniform', '--sizes', '16', '-o', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^gatecot: .*scaling\.md exists; pass --force to overwrite it\n$/);
    for (const bad of [['--cot', 'gate'], ['--family', 'adder'], ['--sizes', '1'], ['--verify-max', 'x']]) {
      const b = await cli('scaling', '--mode', 'uniform', '--sizes', '16', ...bad);
      expect(b.code, bad.join(' ')).toBe(2);
      expect(b.stderr.trimEnd().split('\n'), bad.join(' ')).toHaveLength(1);
    }
    expect((await cli('scaling', '--verify-max', '16', '--sizes', '16')).code).toBe(2);
  });
});
