// The independent certificate checker (gatecot check-cert).
export { certificateDigest, recheck, recomputeMargins } from './recheck.js';
export type { RecheckResult } from './recheck.js';
export { checkArith } from './arith.js';
