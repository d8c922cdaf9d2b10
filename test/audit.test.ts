// The small things a user audit found (issue "Hardening", section 4): each bad input gives one
// line and exit 2, before any other output, and nothing is created by surprise.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCircuitFile } from '../circuits/index.js';
import { cli, cliProcess } from './cli-helpers.js';
import { repoRoot, shared } from './shared.js';

const c17 = shared('iscas85/c17.bench');
const tmp = mkdtempSync(join(tmpdir(), 'gatecot-audit-'));

async function oneLine(argv: string[], msg: RegExp): Promise<void> {
  const r = await cli(...argv);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(msg);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('reading files', () => {
  it('a device is refused by name instead of read forever', () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const r = cliProcess(['stats', dev], 20_000);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`gatecot: ${dev} is not a regular file (a device or a pipe): give a file, or - to read standard input\n`);
    }
  });
  it('a missing file is said in words', () => oneLine(['stats', join(tmp, 'nope.bench')], /^gatecot: cannot read .*nope\.bench: no such file\n$/));
  it('a .bench file saved as .txt gets a format hint', async () => {
    const p = join(tmp, 'c17.txt');
    copyFileSync(c17, p);
    await oneLine(['stats', p], /^gatecot: .*c17\.txt:1:1: .*\(the content looks like bench: pass --format bench\)\n$/);
    expect((await cli('stats', p, '--format', 'bench')).code).toBe(0);
    // The library's own error names the format, not the flag: the CLI adds "pass --format".
    const r = readCircuitFile(p);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.looksLike).toBe('bench');
      expect(r.error.message).toMatch(/c17\.txt:1:1: .*\(the content looks like bench\)$/);
    }
  });
  it('- reads the circuit from standard input', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'gatecot.js'), 'stats', '-'], { input: readFileSync(c17), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gates +6 \(NAND 6\)/);
  });
});

describe('writing files', () => {
  it('a missing folder is not created', async () => {
    await oneLine(['gen', 'adder', '--width', '2', '-o', join(tmp, 'no', 'such', 'a.gc')], /the folder .*no\/such does not exist \(create it first\)/);
    expect(existsSync(join(tmp, 'no'))).toBe(false);
  });
  it('a folder named as the output file is refused even with --force, and nothing is left behind', async () => {
    const dir = join(tmp, 'out.gc');
    mkdirSync(dir);
    await oneLine(['gen', 'adder', '--width', '2', '-o', dir, '--force'], /out\.gc is a folder: name a file to write/);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
  it('scaling -o: a folder whose parent is missing is refused before any work', () =>
    oneLine(['scaling', '--sizes', '16', '-o', join(tmp, 'a', 'b')], /cannot create .*a\/b: the folder .*\/a does not exist/));
});

describe('errors before any output', () => {
  it('scaling: a size the family cannot build blames --sizes', () => oneLine(['scaling', '--sizes', '16,99999999999'], /^gatecot: --sizes: a random circuit's size is its gates must be an integer from 1 to 4000000/));
  it('scaling: an unknown family', () => oneLine(['scaling', '--family', 'nope'], /^gatecot: --family must be one of random, /));
  it('demo: a bad --input', () => oneLine(['demo', '--input', 'zz', '--input', '00'], /^gatecot: /));
  it('demo: a bad --cot', () => oneLine(['demo', '--cot', 'foo'], /^gatecot: --cot must be 4tok or gate, got 'foo'\n$/));
});

describe('values out of range', () => {
  it('a seed beyond the generator state', () => oneLine(['verify', c17, '--seed', '99999999999999999999999'], /--seed must be below 2\^64/));
  it('--rounding with an arithmetic that is not f32', () => oneLine(['certify', c17, '--arith', 'fixed:2', '--rounding', 'nearest'], /--rounding chooses how f32 is rounded; it does not apply to --arith fixed:2/));
});

describe('check-cert', () => {
  it('a trace JSON is not a certificate, a circuit file is not a model', async () => {
    const trace = join(tmp, 'trace.json');
    const model = join(tmp, 'c17.safetensors');
    expect((await cli('trace', c17, '--bits', '10110', '--json')).code).toBe(0);
    const t = await cli('trace', c17, '--bits', '10110', '--json');
    (await import('node:fs')).writeFileSync(trace, t.stdout);
    expect((await cli('compile', c17, '-o', model)).code).toBe(0);
    await oneLine(['check-cert', trace, model], /trace\.json: not a gatecot certificate/);
    const cert = join(tmp, 'c.json');
    expect((await cli('certify', model, '-o', cert)).code).toBe(0);
    await oneLine(['check-cert', cert, c17], /c17\.bench: not a model file/);
  });
});

describe('claims you can trust', () => {
  it('--inject-fault swap-gate on a circuit without AND says the fault changes nothing', () =>
    oneLine(['verify', c17, '--inject-fault', 'swap-gate'], /^gatecot: the fault swap-gate \(AND computed as OR\) changes nothing in c17: it has no AND gate/));
  it("verify's failure report gives the failing input's bits (text and JSON)", async () => {
    const c432 = shared('iscas85/c432.bench');
    const t = await cli('verify', c432, '--inject-fault', 'swap-gate', '--samples', '2');
    expect(t.code).toBe(1);
    const bits = /first: input (\d+) \(bits ([01]+): trace it with --bits\)/.exec(t.stdout);
    expect(bits?.[2]).toHaveLength(36);
    const j = JSON.parse((await cli('verify', c432, '--inject-fault', 'swap-gate', '--samples', '2', '--json')).stdout);
    expect(j.first_mismatch.bits).toBe(bits?.[2]);
    // The bits reproduce the failure in trace.
    const tr = await cli('trace', c432, '--inject-fault', 'swap-gate', '--bits', bits![2]!, '--json');
    expect(tr.code).toBe(1);
  });
  it('certify: non-finite weights fail every numeric claim, with the reason in words', async () => {
    const big = join(tmp, 'big.safetensors');
    expect((await cli('compile', c17, '--scale', '1e40', '-o', big)).code).toBe(0);
    const r = await cli('certify', big, '--rounding', 'nearest', '--json');
    expect(r.code).toBe(1);
    const cert = JSON.parse(r.stdout);
    for (const cl of cert.claims) expect(cl.holds, cl.claim).toBe(false);
    expect(cert.claims.find((x: { claim: string }) => x.claim === 'retrieval lemma').failure.detail).toMatch(/non-finite weights/);
  });
});

describe('long work shows progress', () => {
  it('off a terminal: a line every 10 s, and one line with the estimate and the faster option once the work will take over a minute', async () => {
    const { WorkProgress } = await import('../cli/progress.js');
    const { captureIo } = await import('../cli/io.js');
    const io = captureIo();
    const p = new WorkProgress(io, 'verify', 'inputs', 100, '--backend webgpu');
    const t0 = performance.now();
    // A fake clock: 10 inputs done after 20 s means 200 s in all.
    const real = performance.now;
    let now = t0;
    performance.now = () => now;
    try {
      now = t0 + 2000;
      p.update(1); // the rate is known: 200 s in all, one line with the estimate
      expect(io.stderr()).toBe('verify: about 3 min for 100 inputs; faster: --backend webgpu\n');
      now = t0 + 5000;
      p.update(2); // no periodic line before 10 s
      now = t0 + 20_000;
      p.update(10);
      expect(io.stderr()).toMatch(/\nverify: 10\/100 inputs \(10%\), 0\.50 inputs\/s, about 3 min left\n$/);
      expect(io.stderr().split('\n').filter(Boolean)).toHaveLength(2);
    } finally {
      performance.now = real;
    }
  });
  it('one progress for every command: fuzz uses it with an unknown total, a status, and off when disabled', async () => {
    const { WorkProgress } = await import('../cli/progress.js');
    const { captureIo } = await import('../cli/io.js');
    const io = { ...captureIo(), isTTY: true };
    const tty = { ...captureIo(), isTTY: true };
    const real = performance.now;
    const t0 = real.call(performance);
    let now = t0;
    performance.now = () => now;
    try {
      const open = new WorkProgress(io, 'fuzz', 'cases', undefined);
      now = t0 + 4000;
      open.update(8, '1 failure', true);
      expect(io.stderr()).toBe('\rfuzz 8 cases  2.00 cases/s  1 failure  4 s\x1b[K');
      const bar = new WorkProgress(io, 'fuzz', 'cases', 10);
      now = t0 + 8000;
      bar.update(5, '0 failures', true);
      expect(io.stderr().endsWith('\rfuzz [############............] 5/10 cases  1.25 cases/s  0 failures  ETA 4 s\x1b[K')).toBe(true);
      const off = new WorkProgress(tty, 'fuzz', 'cases', 10, undefined, { enabled: false });
      off.update(5, '0 failures', true);
      expect(tty.stderr()).toBe('');
    } finally {
      performance.now = real;
    }
  });
  it('quick work prints nothing', async () => {
    const r = await cli('verify', c17, '--samples', '4');
    expect(r.stderr).toBe('');
  });
});

describe('rooms: convert writes the netlist formats (the writers moved from the fuzzer to circuits/writers)', () => {
  it('c432 to .aag, .aig, .bench and .blif reads back to the same function on random inputs', async () => {
    const { readCircuitFile, evalMany } = await import('../circuits/index.js');
    const { sampleInputs } = await import('../runtime/index.js');
    const src = readCircuitFile(shared('iscas85/c432.bench'));
    if (!src.ok) throw src.error;
    const inputs = sampleInputs(src.value.nInputs, 30, 4n);
    const outs = (c: typeof src.value) => evalMany(c, inputs).map((w) => c.outputs.flatMap((o) => o.wires.map((x) => w[x]!)).join(''));
    for (const ext of ['aag', 'aig', 'bench', 'blif']) {
      const p = join(tmp, `c432.${ext}`);
      const r = await cli('convert', shared('iscas85/c432.bench'), '-o', p);
      expect(r.code, r.stderr).toBe(0);
      const back = readCircuitFile(p);
      if (!back.ok) throw back.error;
      expect(outs(back.value), ext).toEqual(outs(src.value));
    }
  });
});

describe('small things, continued', () => {
  it('fuzz --count 0 and --out naming a file are refused before any case runs', async () => {
    await oneLine(['fuzz', '--count', '0', '--backend', 'cpu'], /--count must be an integer from 1 to/);
    const f = join(tmp, 'a-file');
    (await import('node:fs')).writeFileSync(f, 'x');
    await oneLine(['fuzz', '--count', '2', '--backend', 'cpu', '--out', f], /--out .*a-file is a file: it names the folder that findings are written to/);
  });
  it('check-cert --json: one object with the verdict, problems and margins', async () => {
    const model = join(tmp, 'c17j.safetensors');
    const cert = join(tmp, 'c17j.json');
    expect((await cli('compile', c17, '-o', model)).code).toBe(0);
    expect((await cli('certify', model, '-o', cert)).code).toBe(0);
    const r = await cli('check-cert', cert, model, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, problems: [], positions: 24, min_margin: 0.5 });
    expect(j.outward_min_margin).toBeGreaterThan(0);
    expect(j.outward_min_margin).toBeLessThanOrEqual(0.5);
  });
});
