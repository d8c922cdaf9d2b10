// The trace viewer page: one self-contained HTML file (inline styles, script and data; a
// Content-Security-Policy that forbids every fetch), generated from the trace JSON of
// `gatecot trace --json` and a diagram layout computed here (layout.ts: ELK, or layered.ts for
// large circuits; the page folds the diagram with layered.ts too).

import type { TraceData } from '../../runtime/trace.js';
import { DIAGRAM_JS } from './client/diagram.js';
import { LAYERED_JS } from './client/layered.js';
import { MAIN_JS } from './client/main.js';
import { MODEL_JS } from './client/model.js';
import { PANELS_JS } from './client/panels.js';
import { STEPS_JS } from './client/steps.js';
import { UNIFORM_JS } from './client/uniform.js';
import { UTIL_JS } from './client/util.js';
import { layoutCircuit, type DiagramLayout } from './layout.js';
import { payloadElements } from './payload.js';
import { PAGE_CSS } from './style.js';

/** Scripts run inline, styles inline; nothing may be fetched, connected to or framed. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The page's script: the client modules in one strict-mode function scope. */
export function clientScript(): string {
  const js = `(function () {\n'use strict';\n${UTIL_JS}\n${MODEL_JS}\n${STEPS_JS}\n${LAYERED_JS}\n${DIAGRAM_JS}\n${PANELS_JS}\n${UNIFORM_JS}\n${MAIN_JS}\n})();\n`;
  // Inline script text ends at the first "</script"; the client code must never contain it.
  if (/<\/script/i.test(js) || /<!--/.test(js)) throw new Error('client script contains "</script" or "<!--"');
  return js;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a viewer's navigation bar steps through: steps of the CoT, iterations of a latent model. */
export interface NavSpec {
  label: string;
  noun: string;
  /** The slider's id, the jump box's placeholder and its button. */
  slider: string;
  placeholder: string;
  submit: string;
}

/**
 * The top of a viewer's body: the status line, the header, and the navigation bar (buttons, the
 * speed menu, the slider: client/util.ts bindNavigation; where we are; the jump box).
 */
export function navBar(o: NavSpec): string {
  const speeds = [0.5, 1, 2, 4, 8, 16, 32, 60].map((x) => `<option value="${x}"${x === 2 ? ' selected' : ''}>${x}/s</option>`).join('');
  return `<div id="status">Reading the embedded trace…</div>
<div id="app" hidden>
<header><h1 id="title"></h1><div id="summary"></div></header>
<nav id="controls" aria-label="${o.label}s">
  <button id="first" title="first ${o.noun} (Home)">|◀ first</button>
  <button id="prev" title="previous ${o.noun} (←)">◀ prev</button>
  <button id="play" title="play / pause (space)" aria-pressed="false">▶ play</button>
  <button id="next" title="next ${o.noun} (→)">next ▶</button>
  <button id="last" title="last ${o.noun} (End)">last ▶|</button>
  <label>speed <select id="speed" title="${o.noun}s per second">${speeds}</select></label>
  <input id="${o.slider}" type="range" min="0" max="0" value="0" aria-label="${o.noun}">
  <span id="where"></span>
  <form id="jump"><label for="gate-input">gate</label><input id="gate-input" type="text" placeholder="${o.placeholder}" title="a gate's index (17), a wire's name (G22gat, s[3]), a bit of an output or input group (out[3]); a uniform model's wire id (#7)" autocomplete="off"><button type="submit">${o.submit}</button><span id="jump-msg"></span></form>
</nav>`;
}

/** The diagram panel's title (`sub` under it) with its tools (client/util.ts bindDiagramTools), and the diagram. */
export function diagramBox(sub: string): string {
  return `<div class="ptitle">Circuit <span class="sub">${sub}</span>
      <span class="tools"><label title="fold the diagram to the current gate: its cone (every wire it depends on), or the wires a few levels around it (its inputs, their inputs, ... and the gates it feeds, ..., that many deep)">show
      <select id="fold"><option value="all" selected>whole circuit</option><option value="cone">cone of the current gate</option><option value="around">levels around it</option></select></label>
      <input id="fold-levels" type="number" min="1" max="62" value="2" title="levels before and after the current gate, counted along wires" aria-label="levels around the current gate" disabled>
      <label><input type="checkbox" id="follow" checked> follow</label>
      <button id="zoom-in" title="zoom in">+</button><button id="zoom-out" title="zoom out">−</button><button id="zoom-fit" title="whole circuit">fit</button></span></div>
    <div id="diagram"><canvas></canvas><svg id="overlay" xmlns="http://www.w3.org/2000/svg"></svg></div>`;
}

/** A viewer page: the head (CSP, title escaped, styles), the body, the data elements and the script. */
export function viewerPage(title: string, css: string, body: string, data: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<noscript><p class="noscript">This page draws its trace with JavaScript, which is off in this browser: turn it on for this file (the page loads nothing from the network), or read the same trace with <code>gatecot trace --json</code>.</p></noscript>${body}
${data}
<script>${script}</script>
</body>
</html>
`;
}

const BODY = `
${navBar({ label: 'step', noun: 'step', slider: 'scrub', placeholder: '17, G22gat, out[3]', submit: 'go' })}
<section id="line" aria-live="polite"><div id="text"></div><div id="why"></div><div id="verdict"></div></section>
<main>
  <section class="panel" id="p-diagram">
    ${diagramBox('columns are levels; drag to pan, wheel to zoom, click a gate to jump')}
    <div id="dcap"></div>
    <div class="legend"><span><i class="sw" style="background:#f2b33d"></i>value 1</span><span><i class="sw" style="background:#5c6f89"></i>value 0</span>
      <span><i class="sw" style="background:#fff"></i>not computed yet</span><span><i class="sw" style="background:#e03131"></i>not a bit (wrong token)</span>
      <span><i class="sw cur-sw" style="border:3px solid #e03131;background:#fff"></i>current gate</span><span class="ha">━ input a (fetch_a)</span><span class="hb">╍ input b (fetch_b)</span></div>
  </section>
  <section class="panel" id="p-prompt" hidden>
    <div class="ptitle">Prompt <span class="sub">the circuit as descriptions, one per wire: TYPE in1 in2 #k; click one to jump to its wire</span></div>
    <div id="fetched"></div>
    <div id="descs"></div>
  </section>
  <section class="panel" id="p-heads">
    <div class="ptitle">Attention <span class="sub">each head's softmax weights, log scale</span></div>
    <div id="heads"></div>
    <div class="scale">1e-40 <canvas id="heat-scale"></canvas> 1 <span>(log scale; white: exactly 0; red marks: the target)</span></div>
  </section>
  <section class="panel" id="p-out">
    <div class="ptitle">Feed-forward block <span class="sub">one ReLU unit per minterm</span></div>
    <div id="ff"></div>
    <div class="ptitle" style="margin-top:10px">Output logits</div>
    <div id="logits"></div>
  </section>
  <section class="panel" id="p-tokens">
    <div class="ptitle">Token sequence <span class="sub">prompt, then the chain of thought; red frame: the token written at this step; dashed: the query position; <span class="ha">a</span>/<span class="hb">b</span>: each head's target, underline: where it attended most</span></div>
    <div id="tokens"></div>
  </section>
  <section class="panel" id="p-resid">
    <div class="ptitle">Residual stream at the query position <span class="sub">by named subspace; highlighted: changed by that layer; ±1 codes shown as signs and decoded</span></div>
    <table id="residual"></table>
  </section>
</main>
<footer id="footer"></footer>
</div>`;

export interface PageParts {
  trace: TraceData;
  layout: DiagramLayout;
}

/** The page, given the trace (the object `trace --json` prints, embedded in parts: payload.ts) and a layout. */
export function pageHtml({ trace, layout }: PageParts): string {
  return viewerPage(`gatecot trace: ${trace.circuit.name}`, PAGE_CSS, BODY, payloadElements(trace, JSON.stringify(layout)), clientScript());
}

/** Lays out the trace's circuit and returns the page. */
export async function renderTraceHtml(trace: TraceData): Promise<string> {
  return pageHtml({ trace, layout: await layoutCircuit(trace.circuit) });
}
