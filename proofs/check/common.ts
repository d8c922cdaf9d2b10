// What the checker's parts share: the certificate digest, claim records, the result type, and
// claim 1 (structure) of a uniform model recomputed from the weights.

import { createHash } from 'node:crypto';
import { modelToBytes, type Model } from '../../model/index.js';

export interface RecheckResult {
  ok: boolean;
  problems: string[];
  positions: number;
  minMargin: number | null;
  /** What was re-checked and how (printed by check-cert with OK). */
  summary?: string;
  /** f32 outward certificates (positional models): the least margin of the checker's own outward
   * enclosure (outward.ts; null where it gives no finite bound), and the certificate's least. */
  outwardMinMargin?: number | null;
  certMinMargin?: number | null;
  /** What does not make the certificate wrong but is worth saying (printed with OK). */
  warnings?: string[];
}

export interface CertClaim {
  claim: string;
  holds: boolean;
  evidence: Record<string, unknown>;
  /** Where and why a claim that does not hold fails. */
  failure?: { position?: number; detail?: string };
}

export const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The digest a certificate carries: SHA-256 of its JSON without the digest field. */
export function certificateDigest(cert: Record<string, unknown>): string {
  const { digest: _drop, ...rest } = cert;
  void _drop;
  return sha(JSON.stringify(rest));
}

/** The certificate's version, digest and model hash, against this model. */
export function identityProblems(cert: Record<string, unknown>, m: Model): string[] {
  const out: string[] = [];
  if (cert.version !== 1) out.push(`unknown certificate version ${String(cert.version)}`);
  if (typeof cert.digest !== 'string' || cert.digest !== certificateDigest(cert)) out.push('the certificate was altered after it was written (its digest does not match its content)');
  const modelHash = sha(modelToBytes(m));
  if (cert.model_hash !== modelHash) out.push(`the certificate is for model ${String(cert.model_hash).slice(0, 12)}..., this model is ${modelHash.slice(0, 12)}...`);
  return out;
}

/** A relative tolerance for comparing numbers printed and read back. */
export const rel = (x: number): number => 1e-9 * Math.max(1, Math.abs(x));

export function claimsOf(cert: Record<string, unknown>): CertClaim[] {
  return Array.isArray(cert.claims) ? (cert.claims as CertClaim[]).filter((x) => x && typeof x === 'object' && typeof x.claim === 'string') : [];
}

/**
 * Claim 1 of a uniform model, recomputed: 3 layers of 4, 2 and 1 heads, d_model = 12L + 49 with
 * L = ceil(log2 N) (at least 1), one basis label per coordinate, every weight finite.
 */
export function uniformStructure(m: Model): { holds: boolean; why: string; L: number; formula: number } {
  const N = m.meta.mode === 'uniform' ? m.meta.capacity : 0;
  let L = 1;
  while (2 ** L < N) L++;
  const formula = 12 * L + 49;
  const heads = m.layers.map((x) => x.heads.length).join(',');
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((x) => [...x.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), x.ff.w1, x.ff.b1, x.ff.w2, x.ff.b2])];
  const finite = weights.every((a) => a.every((x) => Number.isFinite(x)));
  const why: string[] = [];
  if (heads !== '4,2,1') why.push(`layers x heads ${m.layers.length} x ${heads}, the construction 3 x 4,2,1`);
  if (m.d !== formula) why.push(`d_model ${m.d}, the formula 12L + 49 = ${formula} (L = ${L}, capacity ${N})`);
  if (m.meta.basis.length !== m.d) why.push(`${m.meta.basis.length} basis labels for d_model ${m.d}`);
  if (!finite) why.push('a weight is not finite');
  return { holds: why.length === 0, why: why.join('; '), L, formula };
}

/** Problems with a certificate's structure claim against the recomputed one. */
export function uniformStructureProblems(m: Model, claim: CertClaim | undefined): string[] {
  if (!claim) return ['the certificate has no structure claim'];
  const s = uniformStructure(m);
  const out: string[] = [];
  if (claim.holds !== s.holds) out.push(`the structure claim says ${claim.holds}, the re-check finds ${s.holds}${s.why ? ` (${s.why})` : ''}`);
  const ev = claim.evidence ?? {};
  if (ev.d_model !== m.d || ev.d_formula !== s.formula || ev.L !== s.L) out.push(`the structure evidence (d_model ${String(ev.d_model)}, formula ${String(ev.d_formula)}, L ${String(ev.L)}) is not the model's (${m.d}, ${s.formula}, ${s.L})`);
  return out;
}
