// The HTML trace viewer (issue #7): `gatecot trace ... --html OUT` and `gatecot demo`.
export { renderTraceHtml, pageHtml, clientScript } from './page.js';
export { layoutCircuit, type DiagramLayout } from './layout.js';
export { layoutOfPage, STEP_BLOCK, traceOfPage } from './payload.js';
export { refuseExistingPage } from './output.js';
export { latentPageHtml, latentTraceOfPage, renderLatentHtml } from './latent-page.js';
