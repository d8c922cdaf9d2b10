// The latent trace viewer: `gatecot trace MODEL --html OUT` for a latent model (looped,
// looped-cot, deep). One self-contained HTML file like the CoT viewer (page.ts: inline styles,
// script and data, a Content-Security-Policy that forbids every fetch): the trace JSON of
// `trace --json` (runtime/latent-trace.ts: every iteration's values) gzip+base64-embedded, the
// layout of the circuit (layout.ts), and a slider over the iterations next to the circuit diagram
// (client/latent.ts).

import type { LatentTraceData } from '../../runtime/latent-trace.js';
import { DIAGRAM_JS } from './client/diagram.js';
import { LAYERED_JS } from './client/layered.js';
import { LATENT_CSS, LATENT_JS } from './client/latent.js';
import { MODEL_JS } from './client/model.js';
import { UTIL_JS } from './client/util.js';
import { layoutCircuit, type DiagramLayout } from './layout.js';
import { diagramBox, navBar, viewerPage } from './page.js';
import { encodePayload, PAYLOAD_TYPE, payloadOfPage } from './payload.js';
import { PAGE_CSS } from './style.js';

/** The page's script: the diagram and view-model modules of the CoT viewer and the latent client. */
export function latentClientScript(): string {
  const js = `(function () {\n'use strict';\n${UTIL_JS}\n${MODEL_JS}\n${LAYERED_JS}\n${DIAGRAM_JS}\n${LATENT_JS}\n})();\n`;
  if (/<\/script/i.test(js) || /<!--/.test(js)) throw new Error('client script contains "</script" or "<!--"');
  return js;
}

const BODY = `
${navBar({ label: 'iteration', noun: 'iteration', slider: 'iter', placeholder: 'G16gat, 3, out[1]', submit: 'show' })}
<main class="latent">
  <section class="panel" id="p-diagram">
    ${diagramBox("each wire's value after this iteration; columns are levels; drag to pan, wheel to zoom, click a gate")}
    <div class="legend"><span><i class="sw" style="background:#f2b33d"></i>value 1</span><span><i class="sw" style="background:#5c6f89"></i>value 0</span>
      <span><i class="sw" style="background:#e03131"></i>not a bit</span><span><i class="sw" style="border:3px solid #d6336c;background:#fff"></i>changed in this iteration</span>
      <span><i class="sw" style="background:#2f9e44;border-radius:50%"></i>final (keeps its last value from here on)</span>
      <span><i class="sw cur-sw" style="border:3px solid #e03131;background:#fff"></i>chosen gate</span><span class="ha">━ input a</span><span class="hb">╍ input b</span></div>
  </section>
  <section class="panel" id="p-iter">
    <div class="ptitle">Iteration <span class="sub">one application of the block (deep models: one layer); 0 = the embedding</span></div>
    <div id="iter-line"></div>
    <div id="changed"></div>
    <div class="ptitle">Outputs <span class="sub">the readout now, against direct evaluation</span></div>
    <table id="outputs"></table>
    <div class="ptitle" style="margin-top:10px">Gate <span class="sub">its heads and feed-forward units in this iteration</span></div>
    <div id="gate"></div>
  </section>
</main>
<footer id="footer"></footer>
</div>`;

/** The page, given the trace (the object `trace --json` prints) and a layout of its circuit. */
export function latentPageHtml(trace: LatentTraceData, layout: DiagramLayout): string {
  const data = (id: string, json: string) => `<script type="${PAYLOAD_TYPE}" id="${id}">${encodePayload(json)}</script>`;
  const elements = `${data('gatecot-latent', JSON.stringify(trace))}\n${data('gatecot-layout', JSON.stringify(layout))}`;
  return viewerPage(`gatecot latent trace: ${trace.circuit.name}`, PAGE_CSS + LATENT_CSS, BODY, elements, latentClientScript());
}

/** Lays out the trace's circuit and returns the page. */
export async function renderLatentHtml(trace: LatentTraceData): Promise<string> {
  return latentPageHtml(trace, await layoutCircuit(trace.circuit));
}

/** The latent trace embedded in a page (tests compare it with `trace --json`). */
export function latentTraceOfPage(html: string): LatentTraceData {
  return JSON.parse(payloadOfPage(html, 'gatecot-latent')) as LatentTraceData;
}
