// The independent certificate checker (gatecot check-cert).
export { recheck } from './recheck.js';
export { certificateDigest } from './common.js';
export { recheckUniformCircuit, MAX_EXHAUSTIVE_INPUTS, SAMPLE_INPUTS } from './uniform.js';
export { recheckAllCircuits } from './all-circuits.js';
export { recheckLatent, LATENT_RUN_BUDGET } from './latent.js';
export { recomputeMargins, tokenDependentHead } from './margins.js';
export { outwardMargins, type OutwardMargins } from './outward.js';
export type { RecheckResult } from './common.js';
export { checkArith } from './arith.js';
