// The uniform model at key scale 10 (before 2026-12-06) and 64 (now), every weight rounded to
// fixed:s: the same numbers for s <= 3, so fixed:2 results carry over. node scripts/uniform/fixed-same.mjs [N]
import { compileUniform } from '../../dist/compiler/index.js';
import { fixedArith } from '../../dist/runtime/arith.js';
const N = Number(process.argv[2] ?? 8192);
const a = compileUniform(N, { scale: 10 }), b = compileUniform(N, { scale: 64 });
for (const s of [1, 2, 3, 4, 6, 7]) {
  const A = fixedArith(s);
  let n = 0, diff = 0;
  const cmp = (x, y) => { for (let i = 0; i < x.length; i++) { n++; if (A.round(x[i]) !== A.round(y[i])) diff++; } };
  cmp(a.tokEmb, b.tokEmb); cmp(a.posEmb, b.posEmb); cmp(a.unembed, b.unembed);
  a.layers.forEach((L, l) => { const M = b.layers[l];
    L.heads.forEach((h, i) => { const g = M.heads[i]; cmp(h.wq, g.wq); cmp(h.wk, g.wk); cmp(h.wv, g.wv); cmp(h.wo, g.wo); });
    cmp(L.ff.w1, M.ff.w1); cmp(L.ff.w2, M.ff.w2); cmp(L.ff.b1, M.ff.b1); cmp(L.ff.b2, M.ff.b2); });
  console.log(`capacity ${N}, fixed:${s} (B_s = ${A.max}): ${n} weights, ${diff} round differently at scale 10 and 64`);
}
