// Every published vector of ../shared/circuits/test-vectors.json through `gatecot eval`.
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';
import { shared, testVectors } from './shared.js';

const tv = testVectors();

describe('gatecot eval on test-vectors.json', () => {
  for (const v of tv.vectors) {
    it(`${v.file} ${v.inputs.map((x) => x.slice(0, 6)).join(',')}`, async () => {
      const args = ['eval', shared(v.file), ...v.inputs.flatMap((h) => ['--input', h]), '--order', v.encoding];
      const r = await cli(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(v.outputs.map((o) => o.toLowerCase()));
    });
  }
});

interface Named {
  file: string;
  truth_table?: string[];
  vectors?: Record<string, string>[];
}
const named = tv.named_vectors as unknown as Named[];

describe('named vectors', () => {
  it('c17: the full truth table through --bits', async () => {
    const rows = named.find((n) => n.file === 'iscas85/c17.bench')!.truth_table!;
    expect(rows).toHaveLength(32);
    for (const row of rows) {
      const [i, o] = row.split(':');
      for (const f of ['iscas85/c17.bench', 'iscas85/c17-numeric-style.bench']) {
        const r = await cli('eval', shared(f), '--bits', i!);
        expect(r.stdout.trim()).toBe(o);
      }
    }
  });

  it('c6288 as a 16x16 multiplier (product bits 30/31 on swapped outputs)', async () => {
    const n = named.find((x) => x.file === 'iscas85/c6288.bench')!;
    for (const v of n.vectors!) {
      const a = BigInt('0x' + v.a);
      const b = BigInt('0x' + v.b);
      const p = BigInt('0x' + v.product);
      expect(p).toBe(a * b);
      const bit = (x: bigint, k: number) => (x >> BigInt(k)) & 1n;
      const swapped = (p & ~(3n << 30n)) | (bit(p, 31) << 30n) | (bit(p, 30) << 31n);
      const r = await cli('eval', shared('iscas85/c6288.bench'), '--input', ((b << 16n) | a).toString(16));
      expect(r.stdout.trim()).toBe(swapped.toString(16).padStart(8, '0'));
    }
  });

  it('EPFL adder: .aag, .aig and .blif', async () => {
    const n = named.find((x) => x.file.startsWith('epfl/arithmetic/adder'))!;
    for (const ext of ['aag', 'aig', 'blif']) {
      for (const v of n.vectors!) {
        const r = await cli('eval', shared(`epfl/arithmetic/adder.${ext}`), '--input', v.a!, '--input', v.b!);
        const [f, cOut] = r.stdout.trim().split('\n');
        expect(BigInt('0x' + cOut) * 2n ** 128n + BigInt('0x' + f)).toBe(BigInt('0x' + v.f_with_cOut));
      }
    }
  });

  it('EPFL multiplier: .aag and .aig', async () => {
    const n = named.find((x) => x.file.startsWith('epfl/arithmetic/multiplier'))!;
    for (const ext of ['aag', 'aig']) {
      for (const v of n.vectors!) {
        const r = await cli('eval', shared(`epfl/arithmetic/multiplier.${ext}`), '--input', v.a!, '--input', v.b!);
        expect(r.stdout.trim()).toBe(v.f);
      }
    }
  });
});
