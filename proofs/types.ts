// What a claim check returns, and the certificate file.

export type Evidence = Record<string, number | string | boolean | null>;

export interface ClaimResult {
  claim: string;
  holds: boolean;
  /** Numbers a reader can check. */
  evidence: Evidence;
  /** The first position (and why) where the claim fails, if it does. */
  failure?: { position: number; detail: string };
}

export const CERT_VERSION = 1;

export interface Certificate {
  version: number;
  model_hash: string;
  circuit_hash: string;
  circuit_name: string;
  cot: string;
  /** Present for a uniform model: its mode and capacity (the circuit is the one certified). */
  mode?: string;
  capacity?: number;
  /** Latent models (no CoT): the construction, the loop count certified (looped models), the
   * layers applied, and per wire the first applied layer from which its value is established
   * (null: not after the last). margins[w] is then wire w's margin at position first_position + w. */
  construction?: string;
  loops?: number;
  applied_layers?: number;
  settle?: (number | null)[];
  arith: string;
  seq_len: number;
  claims: ClaimResult[];
  /** margins[i] for CoT position i = prompt_length-1 .. seq_len-2: the least lead of the right
   * token's logit over any other token, over every input (null where the induction was not run). */
  first_position: number;
  margins: (number | null)[];
  verdict: boolean;
  seconds: number;
  /** SHA-256 of this object's JSON without the digest field (any later edit shows). */
  digest: string;
}
