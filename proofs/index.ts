// Public surface of proofs/: the theorems' claims as executable checks and certificates (reports built on them: report/).

export { certify, modelHash } from './certify.js';
export { structureClaim } from './structure.js';
export { gateClaim } from './gate.js';
export { certContext } from './context.js';
export { sweep } from './sweep.js';
export { fastSweep } from './fast-sweep.js';
export { enclosureSweep } from './enclosure.js';
export type { CertifyMethod, CertifyOptions } from './certify.js';
export { exactDiv, exactExp } from './exact.js';
export { CERT_VERSION } from './types.js';
export type { Certificate, ClaimResult, Evidence } from './types.js';
export { certifyAllCircuits, ALL_CIRCUITS_VERSION } from './uniform/all-circuits.js';
export type { AllCircuitsCertificate } from './uniform/all-circuits.js';
