// The independent certificate checker (gatecot check-cert).
export { certificateDigest, recheck } from './recheck.js';
export { recomputeMargins, tokenDependentHead } from './margins.js';
export type { RecheckResult } from './recheck.js';
export { checkArith } from './arith.js';
